import { z } from 'zod';
import { DEFAULT_CIRCUIT_BREAKER_SETTINGS } from './circuit-breaker';
import type { CircuitBreakerSettings } from './circuit-breaker';

/** Thrown when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Variables whose value is never echoed in a config error (a typo'd key is still most of a key). */
const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL/;

/**
 * Parses `env` with one zod schema whose keys are the variable names. Every problem names its
 * variable, so a bad deployment stops at start with e.g. `AI_PIPELINE_PORT: expected a port`.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = issue.path.length === 1 && !SECRET_NAME.test(name) ? env[String(issue.path[0])] : undefined;
    return value === undefined ? `${name}: ${issue.message}` : `${name}: ${issue.message} (got "${value}")`;
  });
  throw new ConfigError(problems);
}

/** For `main()`: prints the problems and exits non-zero instead of starting half-configured. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

const PORT_MESSAGE = 'expected a port (0–65535)';
const POSITIVE_INT_MESSAGE = 'expected a positive integer';

/**
 * A service version (`SERVICE_VERSION`: `stable`, `canary`, a release tag) is a label value on
 * every metric, so it is bounded: 1–64 characters of [A-Za-z0-9._+-].
 */
export const SERVICE_VERSION_PATTERN = /^[A-Za-z0-9._+-]{1,64}$/;
export const SERVICE_VERSION_MESSAGE = 'expected 1–64 characters of A-Z a-z 0-9 . _ + -';
/** When SERVICE_VERSION is not set: a build no deployment named. */
export const DEFAULT_SERVICE_VERSION = 'dev';

/** Reusable env field types: env values are strings, these turn them into checked values. */
export const env = {
  port: (fallback: number) =>
    z.coerce
      .number({ error: PORT_MESSAGE })
      .int(PORT_MESSAGE)
      .min(0, PORT_MESSAGE)
      .max(65535, PORT_MESSAGE)
      .default(fallback),
  positiveInt: (fallback: number) =>
    z.coerce.number({ error: POSITIVE_INT_MESSAGE }).int(POSITIVE_INT_MESSAGE).positive(POSITIVE_INT_MESSAGE).default(fallback),
  flag: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  url: () => z.url({ message: 'expected a URL such as http://host:port' }),
  host: (fallback: string) => z.string().min(1).default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Empty (compose's way of passing an unset variable) means the default, `dev`. */
  serviceVersion: () =>
    z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().regex(SERVICE_VERSION_PATTERN, SERVICE_VERSION_MESSAGE).default(DEFAULT_SERVICE_VERSION),
    ),
};

const PERCENT_MESSAGE = 'expected a percentage from 1 to 99';
const WINDOW_MESSAGE = 'expected a whole number of ms, at least 100';

/**
 * The circuit breakers' settings (docs/decisions/circuit-breakers.md), one set per service:
 * spread into its config schema, then read with circuitBreakerSettings(config).
 */
export const circuitBreakerEnv = {
  /** A circuit opens when more than this share of the window's calls failed. */
  CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce
    .number({ error: PERCENT_MESSAGE })
    .min(1, PERCENT_MESSAGE)
    .max(99, PERCENT_MESSAGE)
    .default(DEFAULT_CIRCUIT_BREAKER_SETTINGS.errorThresholdPercent),
  /** Calls the window must hold before a circuit may open. */
  CIRCUIT_BREAKER_VOLUME_THRESHOLD: env.positiveInt(DEFAULT_CIRCUIT_BREAKER_SETTINGS.volumeThreshold),
  /** The rolling window the failure share is taken over, in ms. */
  CIRCUIT_BREAKER_WINDOW_MS: z.coerce.number({ error: WINDOW_MESSAGE }).int(WINDOW_MESSAGE).min(100, WINDOW_MESSAGE).default(DEFAULT_CIRCUIT_BREAKER_SETTINGS.windowMs),
  /** How long an open circuit refuses calls before one probe goes through, in ms. */
  CIRCUIT_BREAKER_RESET_MS: env.positiveInt(DEFAULT_CIRCUIT_BREAKER_SETTINGS.resetMs),
};

export type CircuitBreakerEnv = { [K in keyof typeof circuitBreakerEnv]: z.infer<(typeof circuitBreakerEnv)[K]> };

export function circuitBreakerSettings(config: CircuitBreakerEnv): CircuitBreakerSettings {
  return {
    errorThresholdPercent: config.CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT,
    volumeThreshold: config.CIRCUIT_BREAKER_VOLUME_THRESHOLD,
    windowMs: config.CIRCUIT_BREAKER_WINDOW_MS,
    resetMs: config.CIRCUIT_BREAKER_RESET_MS,
  };
}
