import { z } from 'zod';
import { env } from '@opsconductor/kit';
import { jobStoreEnv } from '@opsconductor/jobs';

/**
 * The automation-service's environment, one key per variable. Units are in the names; every
 * default is the seed's (DESIGN.md "Ports and names").
 */
export const configSchema = z.object({
  HOST: env.host('0.0.0.0'),
  PORT: env.port(3003),
  METRICS_PORT: env.port(9091),
  LOG_LEVEL: env.logLevel(),
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
  /** Largest accepted request body; larger ones get 413 before any parsing. */
  BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
  ...jobStoreEnv,
  /** Pending jobs one workspace may have; beyond it POST /ai/jobs answers 429. */
  MAX_PENDING_PER_WORKSPACE: env.positiveInt(10_000),
  /** An idle event stream gets a comment this often, so proxies do not close it. */
  SSE_HEARTBEAT_MS: env.positiveInt(15_000),
});

export type Config = z.infer<typeof configSchema>;
