import { ConfigError, loadConfig } from '@opsconductor/kit';
import { configSchema } from '../src/config';

describe('ai-pipeline config', () => {
  it('has the seed defaults', () => {
    expect(loadConfig(configSchema, {})).toEqual({
      HOST: '0.0.0.0',
      PORT: 8001,
      METRICS_PORT: 9092,
      LOG_LEVEL: 'info',
      SERVICE_VERSION: 'dev',
      SHUTDOWN_GRACE_MS: 10000,
      FEATURE_BYPASS_LLM: false,
      FAULT_INJECTION_ERROR_RATIO: 0,
      AI_MODEL: 'gpt-4o-mini',
      AI_MAX_OUTPUT_TOKENS: 800,
      AI_TIMEOUT_MS: 30000,
      BODY_LIMIT_BYTES: 1048576,
      WEBHOOK_ALLOW_PRIVATE_HOSTS: [],
      WEBHOOK_TIMEOUT_MS: 10000,
      EMAIL_TIMEOUT_MS: 30000,
      TOOL_TIMEOUT_MS: 25000,
      CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT: 50,
      CIRCUIT_BREAKER_VOLUME_THRESHOLD: 5,
      CIRCUIT_BREAKER_WINDOW_MS: 10000,
      CIRCUIT_BREAKER_RESET_MS: 10000,
    });
  });

  it('reads the email settings: a 32-byte base64 key, an smtp(s) sink URL, refusing others without quoting the key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig(configSchema, { CREDENTIALS_ENCRYPTION_KEY: key, SMTP_SINK_URL: 'smtp://mailpit:1025', EMAIL_TIMEOUT_MS: '5000' })).toMatchObject({
      CREDENTIALS_ENCRYPTION_KEY: key,
      SMTP_SINK_URL: 'smtp://mailpit:1025',
      EMAIL_TIMEOUT_MS: 5000,
    });
    expect(() => loadConfig(configSchema, { SMTP_SINK_URL: 'http://mailpit:8025' })).toThrow(ConfigError);
    let error: unknown;
    try {
      loadConfig(configSchema, { CREDENTIALS_ENCRYPTION_KEY: 'hex-or-short-key-0123' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).not.toContain('hex-or-short-key-0123');
  });

  it('reads the webhook settings: a lower-cased host list, a secret of at least 16 characters', () => {
    const config = loadConfig(configSchema, { WEBHOOK_ALLOW_PRIVATE_HOSTS: ' Hooks.Internal , 127.0.0.1,', WEBHOOK_SIGNING_SECRET: 's'.repeat(16), WEBHOOK_TIMEOUT_MS: '2500' });
    expect(config).toMatchObject({ WEBHOOK_ALLOW_PRIVATE_HOSTS: ['hooks.internal', '127.0.0.1'], WEBHOOK_SIGNING_SECRET: 's'.repeat(16), WEBHOOK_TIMEOUT_MS: 2500 });
    expect(loadConfig(configSchema, { WEBHOOK_SIGNING_SECRET: '' }).WEBHOOK_SIGNING_SECRET).toBeUndefined();
    expect(() => loadConfig(configSchema, { WEBHOOK_SIGNING_SECRET: 'short-secret' })).toThrow(ConfigError);
  });

  it('treats empty AI_BASE_URL and AI_API_KEY as unset', () => {
    const config = loadConfig(configSchema, { AI_BASE_URL: '', AI_API_KEY: '' });
    expect(config.AI_BASE_URL).toBeUndefined();
    expect(config.AI_API_KEY).toBeUndefined();
  });

  it('reads DATABASE_URL, treats an empty one as unset, and refuses a bad one without quoting it', () => {
    expect(loadConfig(configSchema, { DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
    expect(loadConfig(configSchema, { DATABASE_URL: 'postgres://u:pw@db:5432/oc' }).DATABASE_URL).toBe('postgres://u:pw@db:5432/oc');
    let error: unknown;
    try {
      loadConfig(configSchema, { DATABASE_URL: 'mysql://u:secret-pw@db/oc' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toContain('DATABASE_URL');
    expect(String((error as Error).message)).not.toContain('secret-pw');
  });

  it('reads the LLM settings and the bypass flag', () => {
    const config = loadConfig(configSchema, {
      FEATURE_BYPASS_LLM: 'true',
      AI_BASE_URL: 'https://api.openai.com/v1',
      AI_API_KEY: 'sk-x',
      AI_MODEL: 'gpt-4o',
      AI_MAX_OUTPUT_TOKENS: '64',
      AI_TIMEOUT_MS: '500',
    });
    expect(config).toMatchObject({ FEATURE_BYPASS_LLM: true, AI_BASE_URL: 'https://api.openai.com/v1', AI_MAX_OUTPUT_TOKENS: 64, AI_TIMEOUT_MS: 500 });
  });

  it('reads SERVICE_VERSION, the version label and header, and refuses one that is no bounded label value', () => {
    expect(loadConfig(configSchema, { SERVICE_VERSION: 'canary' }).SERVICE_VERSION).toBe('canary');
    expect(loadConfig(configSchema, { SERVICE_VERSION: '' }).SERVICE_VERSION).toBe('dev');
    expect(() => loadConfig(configSchema, { SERVICE_VERSION: 'v 2' })).toThrow('SERVICE_VERSION: expected 1–64 characters');
  });

  it('stops on a bad value, naming the variable', () => {
    const attempt = () => loadConfig(configSchema, { AI_BASE_URL: 'ftp://example.com', AI_TIMEOUT_MS: '0', FEATURE_BYPASS_LLM: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['AI_BASE_URL', 'AI_TIMEOUT_MS', 'FEATURE_BYPASS_LLM']);
    }
  });
});
