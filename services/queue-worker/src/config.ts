import { z } from 'zod';
import { circuitBreakerEnv, env } from '@opsconductor/kit';
import { databaseEnv } from '@opsconductor/db';
import { jobStoreEnv } from '@opsconductor/jobs';

/** The queue-worker's environment. It has no API port: /metrics, /health and /ready share METRICS_PORT. */
export const configSchema = z.object({
  HOST: env.host('0.0.0.0'),
  METRICS_PORT: env.port(9093),
  LOG_LEVEL: env.logLevel(),
  /** Running jobs get this long to finish after SIGTERM; the rest go back to the queue. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  ...jobStoreEnv,
  /** Jobs this process runs at once. */
  WORKER_CONCURRENCY: env.positiveInt(4),
  /** Visibility timeout of a claim; extended every min(1 s, lease/3) while the job runs. */
  JOB_LEASE_MS: env.positiveInt(30_000),
  /** Reap expired leases and promote due retries this often. */
  QUEUE_MAINTENANCE_MS: env.positiveInt(1000),
  /** Retry backoff: attempt n waits a random time up to min(cap, base × factor^(n-1)). */
  RETRY_BASE_MS: env.positiveInt(1000),
  RETRY_FACTOR: env.positiveInt(5),
  RETRY_CAP_MS: env.positiveInt(125_000),
  AI_PIPELINE_URL: env.url().default('http://localhost:8001'),
  AI_PIPELINE_TIMEOUT_MS: env.positiveInt(30_000),
  /** The ai_pipeline circuit breaker (docs/decisions/circuit-breakers.md). */
  ...circuitBreakerEnv,
  /** PostgreSQL of the audit trail (postgres://…); unset or empty: no audit rows are written. */
  DATABASE_URL: databaseEnv.DATABASE_URL,
  /** The kill switch, as the automation-service's: false claims no job (queued jobs wait). */
  ACTIONS_ENABLED: env.flag(true),
});

export type Config = z.infer<typeof configSchema>;
