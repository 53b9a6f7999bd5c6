import { createLogger } from '../src/logger';
import { captureLogs } from '../src/testing';

describe('createLogger', () => {
  it('writes one JSON object per line with service, level name and time', () => {
    const logs = captureLogs();
    createLogger({ service: 'svc', destination: logs.stream }).info({ a: 1 }, 'hello');
    expect(logs.lines()[0]).toMatchObject({ service: 'svc', level: 'info', msg: 'hello', a: 1 });
    expect(typeof logs.lines()[0]?.time).toBe('string');
  });

  it('redacts credentials wherever they appear in a logged object', () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'svc', destination: logs.stream });
    logger.info({ req: { headers: { authorization: 'Bearer sk-secret-1' } } }, 'incoming');
    logger.info({ config: { AI_API_KEY: 'sk-secret-2', AI_MODEL: 'gpt-4o-mini' } }, 'config');
    logger.info({ client: { apiKey: 'sk-secret-3' } }, 'client');
    expect(logs.text()).not.toMatch(/sk-secret/);
    expect(logs.text()).toContain('gpt-4o-mini');
    expect(logs.lines()[1]).toMatchObject({ config: { AI_API_KEY: '[redacted]' } });
  });
});
