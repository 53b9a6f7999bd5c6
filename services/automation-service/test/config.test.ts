import { ConfigError, loadConfig } from '@opsconductor/kit';
import { configSchema } from '../src/config';

describe('automation-service config', () => {
  it('defaults to the seed ports, a 30 s pipeline timeout, a 1 MiB body limit and the job store defaults', () => {
    expect(loadConfig(configSchema, {})).toEqual({
      ACTIONS_ENABLED: true,
      ALLOW_ACTIONS_DEFAULT: '*',
      KEY_CACHE_MS: 2000,
      PGLITE_DIR: '.data/pglite',
      RATE_LIMIT_PER_MINUTE: 100,
      HOST: '0.0.0.0',
      PORT: 3003,
      METRICS_PORT: 9091,
      LOG_LEVEL: 'info',
      SERVICE_VERSION: 'dev',
      SHUTDOWN_GRACE_MS: 10_000,
      AI_PIPELINE_URL: 'http://localhost:8001',
      AI_PIPELINE_TIMEOUT_MS: 30_000,
      AI_PIPELINE_CONNECTIONS: 64,
      CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT: 50,
      CIRCUIT_BREAKER_VOLUME_THRESHOLD: 5,
      CIRCUIT_BREAKER_WINDOW_MS: 10_000,
      CIRCUIT_BREAKER_RESET_MS: 10_000,
      BODY_LIMIT_BYTES: 1_048_576,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER: false,
      JOB_KEY_PREFIX: 'oc',
      JOB_PARTITIONS: 16,
      MAX_PENDING_PER_WORKSPACE: 10_000,
      JOB_RETENTION_DAYS: 180,
      SSE_HEARTBEAT_MS: 15_000,
    });
  });

  it('names each bad variable', () => {
    let error: unknown;
    try {
      loadConfig(configSchema, { AI_PIPELINE_URL: 'ai-pipeline:8001', AI_PIPELINE_TIMEOUT_MS: '0', BODY_LIMIT_BYTES: 'lots', SERVICE_VERSION: 'a/b' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['AI_PIPELINE_TIMEOUT_MS', 'AI_PIPELINE_URL', 'BODY_LIMIT_BYTES', 'SERVICE_VERSION']);
  });

  it('names each bad job store variable', () => {
    let error: unknown;
    try {
      loadConfig(configSchema, { REDIS_URL: 'localhost:6379', JOB_KEY_PREFIX: 'has space', JOB_PARTITIONS: '2000', SSE_HEARTBEAT_MS: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['JOB_KEY_PREFIX', 'JOB_PARTITIONS', 'REDIS_URL', 'SSE_HEARTBEAT_MS']);
  });
});
