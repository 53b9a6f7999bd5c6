/**
 * FAULT_INJECTION_ERROR_RATIO: a canary rollout's gate must be seen to stop a bad version, so
 * the ai-pipeline can fail a share of its POST /execute on purpose, counted like any other
 * INTERNAL_ERROR. Valid requests only: bad input keeps its 400.
 */
import { ConfigError, createLogger, createMetrics, loadConfig } from '@opsconductor/kit';
import { createApp } from '../src/app';
import { configSchema } from '../src/config';
import { INJECTED_FAULT_MESSAGE } from '../src/routes/execute';
import { createDefaultTools } from '../src/tools';
import { sample, startService } from './helpers';
import type { TestService } from './helpers';

describe('FAULT_INJECTION_ERROR_RATIO=1', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ faultInjectionErrorRatio: 1 });
  });
  afterAll(() => service.close());

  it('says so once, in a warn line at start naming the ratio', () => {
    const warnings = service.logs.lines().filter((l) => l.level === 'warn' && String(l.msg).includes('FAULT_INJECTION_ERROR_RATIO'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ fault_injection_error_ratio: 1, msg: expect.stringContaining('FAULT_INJECTION_ERROR_RATIO=1') });
  });

  it('fails every valid execute with 500 INTERNAL_ERROR before the tool runs', async () => {
    for (const input of ['ping', 'hello', 'ping again']) {
      const res = await service.execute({ input, tool: 'echo', params: { delay_ms: 5000 } });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR', message: 'injected fault (FAULT_INJECTION_ERROR_RATIO)' }, tool: 'echo' });
      // No 5 s delay: the echo tool never started.
      expect(res.body.duration_ms).toBeLessThan(1000);
    }
    expect(service.logs.lines().filter((l) => l.msg === 'running tool')).toHaveLength(0);
    expect(INJECTED_FAULT_MESSAGE).toBe('injected fault (FAULT_INJECTION_ERROR_RATIO)');
  });

  it('still answers bad input with 400, never an injected 500', async () => {
    const res = await service.execute({ input: '', tool: 'echo' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('counts the faults in its own metrics as INTERNAL_ERROR', async () => {
    const text = await service.scrape();
    expect(sample(text, 'ai_request_errors_total', { tool: 'echo', error_type: 'INTERNAL_ERROR' })).toBe(3);
    expect(sample(text, 'ai_requests_total', { tool: 'echo', status: 'error' })).toBe(4);
    expect(sample(text, 'ai_requests_total', { tool: 'echo', status: 'success' })).toBe(0);
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/execute', status: '500' })).toBe(3);
  });
});

describe('FAULT_INJECTION_ERROR_RATIO between 0 and 1', () => {
  it('fails about that share of the requests, not all or none', async () => {
    const service = await startService({ faultInjectionErrorRatio: 0.5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) {
        const res = await service.app.inject({ method: 'POST', url: '/execute', payload: { input: 'ping', tool: 'echo' } });
        statuses.push(res.statusCode);
      }
      expect(statuses.filter((s) => s !== 500 && s !== 200)).toEqual([]);
      const failed = statuses.filter((s) => s === 500).length;
      // Binomial(200, 0.5): outside 51..149 about once in 10^12 runs.
      expect(failed).toBeGreaterThan(50);
      expect(failed).toBeLessThan(150);
    } finally {
      await service.close();
    }
  });
});

describe('FAULT_INJECTION_ERROR_RATIO=0 (the default)', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ faultInjectionErrorRatio: 0 });
  });
  afterAll(() => service.close());

  it('fails no request and logs no warning', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await service.execute({ input: 'ping', tool: 'echo' });
      expect(res.status).toBe(200);
    }
    expect(service.logs.lines().filter((l) => String(l.msg).includes('FAULT_INJECTION_ERROR_RATIO'))).toEqual([]);
    const text = await service.scrape();
    expect(sample(text, 'ai_requests_total', { tool: 'echo', status: 'success' })).toBe(20);
    expect(sample(text, 'ai_request_errors_total', { tool: 'echo', error_type: 'INTERNAL_ERROR' })).toBeUndefined();
  });
});

describe('FAULT_INJECTION_ERROR_RATIO in the config', () => {
  it('defaults to 0, reads a ratio, and treats empty as unset', () => {
    expect(loadConfig(configSchema, {}).FAULT_INJECTION_ERROR_RATIO).toBe(0);
    expect(loadConfig(configSchema, { FAULT_INJECTION_ERROR_RATIO: '0.25' }).FAULT_INJECTION_ERROR_RATIO).toBe(0.25);
    expect(loadConfig(configSchema, { FAULT_INJECTION_ERROR_RATIO: '1' }).FAULT_INJECTION_ERROR_RATIO).toBe(1);
    expect(loadConfig(configSchema, { FAULT_INJECTION_ERROR_RATIO: '' }).FAULT_INJECTION_ERROR_RATIO).toBe(0);
  });

  it.each(['1.5', '-0.1', 'half', 'Infinity'])('refuses to start with %s, naming the variable', (value) => {
    expect(() => loadConfig(configSchema, { FAULT_INJECTION_ERROR_RATIO: value })).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { FAULT_INJECTION_ERROR_RATIO: value })).toThrow(
      `FAULT_INJECTION_ERROR_RATIO: expected a number from 0 to 1 (got "${value}")`,
    );
  });

  it('is checked by createApp too, for callers that build the app without the config', () => {
    const build = (ratio: number) => () =>
      createApp({
        logger: createLogger({ service: 'ai-pipeline-test', level: 'silent' }),
        metrics: createMetrics({ service: 'ai-pipeline-test', version: 'test', defaultMetrics: false }),
        tools: createDefaultTools({}),
        faultInjectionErrorRatio: ratio,
      });
    expect(build(2)).toThrow('FAULT_INJECTION_ERROR_RATIO must be from 0 to 1, got 2');
    expect(build(Number.NaN)).toThrow('FAULT_INJECTION_ERROR_RATIO must be from 0 to 1');
  });
});
