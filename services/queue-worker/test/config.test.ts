import { ConfigError, loadConfig } from '@opsconductor/kit';
import { configSchema } from '../src/config';

describe('DATABASE_URL', () => {
  it('is optional: unset or empty means no audit rows', () => {
    expect(loadConfig(configSchema, {}).DATABASE_URL).toBeUndefined();
    expect(loadConfig(configSchema, { DATABASE_URL: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it('takes a postgres:// URL', () => {
    const url = 'postgres://worker:s3cret@db.internal:5432/opsconductor';
    expect(loadConfig(configSchema, { DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });

  it('refuses anything else without quoting it, since it may hold a password', () => {
    let problem: unknown;
    try {
      loadConfig(configSchema, { DATABASE_URL: 'mysql://worker:s3cret@db.internal/opsconductor' });
    } catch (err) {
      problem = err;
    }
    expect(problem).toBeInstanceOf(ConfigError);
    expect((problem as ConfigError).message).toContain('DATABASE_URL');
    expect((problem as ConfigError).message).not.toContain('s3cret');
  });
});

describe('ACTIONS_ENABLED', () => {
  it('defaults to true and takes false', () => {
    expect(loadConfig(configSchema, {}).ACTIONS_ENABLED).toBe(true);
    expect(loadConfig(configSchema, { ACTIONS_ENABLED: 'false' }).ACTIONS_ENABLED).toBe(false);
  });
});
