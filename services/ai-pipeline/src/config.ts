import { z } from 'zod';
import { env } from '@opsconductor/kit';

/** Compose files pass unset variables as empty strings; treat those as "not set". */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * The ai-pipeline's environment. The LLM is optional: without `AI_BASE_URL` the service still
 * starts and serves every other tool, and the `llm` tool answers 503 naming the variable.
 */
export const configSchema = z.object({
  HOST: env.host('0.0.0.0'),
  PORT: env.port(8001),
  METRICS_PORT: env.port(9092),
  LOG_LEVEL: env.logLevel(),
  /** ms between SIGTERM and a forced exit; in-flight tools are cancelled a little before it. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  /** Canary mode: every request is answered by the echo tool, no selector, no LLM. */
  FEATURE_BYPASS_LLM: env.flag(false),
  /** Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 (`/chat/completions` is appended). */
  AI_BASE_URL: optional(z.url({ protocol: /^https?$/, message: 'expected an http(s) URL such as https://api.openai.com/v1' })),
  /** Sent as `Authorization: Bearer …` when set; never logged. */
  AI_API_KEY: optional(z.string()),
  AI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  AI_MAX_OUTPUT_TOKENS: env.positiveInt(800),
  /** Deadline of one LLM call in ms; past it the request answers 504 TIMEOUT. */
  AI_TIMEOUT_MS: env.positiveInt(30_000),
  /** Largest accepted request body in bytes. */
  BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
});

export type Config = z.infer<typeof configSchema>;
