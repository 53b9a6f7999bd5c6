import { z } from 'zod';
import { databaseEnv } from '@opsconductor/db';
import { circuitBreakerEnv, env } from '@opsconductor/kit';

/** Compose files pass unset variables as empty strings; treat those as "not set". */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const RATIO_MESSAGE = 'expected a number from 0 to 1';

/**
 * The ai-pipeline's environment. The LLM is optional: without `AI_BASE_URL` the service still
 * starts and serves every other tool, and the `llm` tool answers 503 naming the variable; so
 * does the database behind task.create.
 */
export const configSchema = z.object({
  HOST: env.host('0.0.0.0'),
  PORT: env.port(8001),
  METRICS_PORT: env.port(9092),
  LOG_LEVEL: env.logLevel(),
  /** Names this deployment (stable, canary, a release): the `version` label, /health, X-OpsConductor-Version. */
  SERVICE_VERSION: env.serviceVersion(),
  /** ms between SIGTERM and a forced exit; in-flight tools are cancelled a little before it. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  /** Canary mode: every request is answered by the echo tool, no selector, no LLM. */
  FEATURE_BYPASS_LLM: env.flag(false),
  /**
   * Share of POST /execute requests that fail on purpose with 500 INTERNAL_ERROR, so a canary
   * rollout's gate can be seen to stop a bad version. 0 (the default) turns it off.
   */
  FAULT_INJECTION_ERROR_RATIO: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: RATIO_MESSAGE }).min(0, RATIO_MESSAGE).max(1, RATIO_MESSAGE).default(0),
  ),
  /** Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 (`/chat/completions` is appended). */
  AI_BASE_URL: optional(z.url({ protocol: /^https?$/, message: 'expected an http(s) URL such as https://api.openai.com/v1' })),
  /** Sent as `Authorization: Bearer …` when set; never logged. */
  AI_API_KEY: optional(z.string()),
  AI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  AI_MAX_OUTPUT_TOKENS: env.positiveInt(800),
  /** Deadline of one LLM call in ms; past it the request answers 504 TIMEOUT. */
  AI_TIMEOUT_MS: env.positiveInt(30_000),
  /**
   * postgres://… of the platform's database (the automation-service migrates it), for the
   * tools that write data (task.create). Optional: without it those tools answer 503 and show
   * as unavailable; there is no embedded fallback, PGlite's files belong to one process.
   */
  DATABASE_URL: databaseEnv.DATABASE_URL,
  /**
   * Signs every webhook.post delivery (X-OpsConductor-Signature, HMAC-SHA256); at least 16
   * characters, never logged. Without it webhook.post answers 503 and shows as unavailable.
   */
  WEBHOOK_SIGNING_SECRET: optional(z.string().min(16, 'expected at least 16 characters')),
  /**
   * Comma-separated host names webhook.post may call although they resolve to private addresses
   * (a receiver on the operator's own network, tests). Empty (the default): none.
   */
  WEBHOOK_ALLOW_PRIVATE_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== ''),
    ),
  /** Deadline of one webhook delivery in ms, from the lookup to the last byte read; past it 504 TIMEOUT. */
  WEBHOOK_TIMEOUT_MS: env.positiveInt(10_000),
  /**
   * 32 random bytes in base64 (openssl rand -base64 32): decrypts the mail account passwords
   * `pnpm keys mail` stored with the same key. Never logged. Without it the email tools answer
   * 503 and show as unavailable.
   */
  CREDENTIALS_ENCRYPTION_KEY: optional(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected 32 bytes in base64 (openssl rand -base64 32)')),
  /**
   * Development mail sink (Mailpit in compose, a test's SMTP server): when set, every email tool
   * sends here (smtp:// plain, smtps:// TLS) instead of the account's provider. Never in production.
   */
  SMTP_SINK_URL: optional(z.url({ protocol: /^smtps?$/, message: 'expected smtp://host:port or smtps://host:port' })),
  /** Deadline of one email send in ms, from connecting to the server's last reply; past it 504 TIMEOUT. */
  EMAIL_TIMEOUT_MS: env.positiveInt(30_000),
  /** The llm, webhook and smtp circuit breakers (docs/decisions/circuit-breakers.md). */
  ...circuitBreakerEnv,
  /**
   * Deadline in ms of a tool that has none of its own (task.create, …): past it /execute answers
   * 504 TIMEOUT (retryable) and cancels the tool. Tools with their own deadline (AI_TIMEOUT_MS,
   * WEBHOOK_TIMEOUT_MS, EMAIL_TIMEOUT_MS) get that one plus a second.
   */
  TOOL_TIMEOUT_MS: env.positiveInt(25_000),
  /** Largest accepted request body in bytes. */
  BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
});

export type Config = z.infer<typeof configSchema>;
