import { z } from 'zod';
import { circuitBreakerEnv, env } from '@opsconductor/kit';
import { databaseEnv } from '@opsconductor/db';
import { ACTION_PATTERN, jobStoreEnv } from '@opsconductor/jobs';

/**
 * The automation-service's environment, one key per variable. Units are in the names; every
 * default is the seed's (DESIGN.md "Ports and names").
 */
export const configSchema = z.object({
  HOST: env.host('0.0.0.0'),
  PORT: env.port(3003),
  METRICS_PORT: env.port(9091),
  LOG_LEVEL: env.logLevel(),
  /** Names this deployment (stable, canary, a release): the `version` label, /health, X-OpsConductor-Version. */
  SERVICE_VERSION: env.serviceVersion(),
  /** After a SIGTERM, in-flight requests get this long to finish before the process exits. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  /** Base URL of ai-pipeline; `/execute` and `/health` are appended to it. */
  // `ai-pipeline:8001` parses as a URL with scheme "ai-pipeline:", so the scheme is checked too.
  AI_PIPELINE_URL: env
    .url()
    .refine((value) => /^https?:\/\//i.test(value), 'expected an http:// or https:// URL such as http://ai-pipeline:8001')
    .default('http://localhost:8001'),
  /** Bound of one whole call to ai-pipeline (connect, headers and body); past it the caller gets 504. */
  AI_PIPELINE_TIMEOUT_MS: env.positiveInt(30_000),
  /** Keep-alive connections kept open to ai-pipeline; requests beyond them queue in the pool. */
  AI_PIPELINE_CONNECTIONS: env.positiveInt(64),
  /** The ai_pipeline circuit breaker (docs/decisions/circuit-breakers.md). */
  ...circuitBreakerEnv,
  /** Largest accepted request body; larger ones get 413 before any parsing. */
  BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
  ...jobStoreEnv,
  /** Pending jobs one workspace may have; beyond it POST /ai/jobs answers 429. */
  MAX_PENDING_PER_WORKSPACE: env.positiveInt(10_000),
  /** An idle event stream gets a comment this often, so proxies do not close it. */
  SSE_HEARTBEAT_MS: env.positiveInt(15_000),
  ...databaseEnv,
  /** The kill switch: false refuses every execution (sync and async) with 503; reads go on. */
  ACTIONS_ENABLED: env.flag(true),
  /** Actions a workspace without its own allowlist may run: `*` (all) or a comma list. */
  ALLOW_ACTIONS_DEFAULT: z
    .string()
    .refine((v) => v.trim() === '*' || v.split(',').every((a) => a.trim() === '' || ACTION_PATTERN.test(a.trim())), 'expected * or a comma list of action names such as echo,task.create')
    .default('*'),
  /** Requests a workspace may send per minute unless it has its own limit. */
  RATE_LIMIT_PER_MINUTE: env.positiveInt(100),
  /** How long a resolved API key (or workspace setting) is trusted before it is looked up again. */
  KEY_CACHE_MS: env.positiveInt(2000),
});

export type Config = z.infer<typeof configSchema>;
