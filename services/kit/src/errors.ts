/**
 * The one registry of error codes (DESIGN.md "The error envelope"). Every non-2xx answer of
 * every service is built from here; callers branch on `code`, never on the message.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  BAD_GATEWAY: 502,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One bad field of a request: where it is (`body.input`) and what is wrong with it. */
export interface ErrorDetail {
  field: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** The envelope every service answers with on failure. */
export interface ErrorEnvelope {
  success: false;
  error: ErrorBody;
  trace_id: string;
  duration_ms?: number;
  tool?: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  /** Seconds, sent as Retry-After (RATE_LIMITED, UNAVAILABLE). */
  retryAfterS?: number;
  cause?: unknown;
}

/** An error whose message is safe to show to the caller. Anything else becomes INTERNAL_ERROR. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = opts.details;
    this.retryAfterS = opts.retryAfterS;
  }

  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Maps an HTTP status (e.g. one answered by an upstream) to the code a caller expects for it. */
export function codeForStatus(status: number): ErrorCode {
  const match = (Object.keys(ERROR_CODES) as ErrorCode[]).find((code) => ERROR_CODES[code] === status);
  if (match) return match;
  return status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR';
}

export function errorEnvelope(
  err: AppError,
  ctx: { traceId: string; durationMs?: number; tool?: string | undefined },
): ErrorEnvelope {
  const envelope: ErrorEnvelope = { success: false, error: err.toBody(), trace_id: ctx.traceId };
  if (ctx.durationMs !== undefined) envelope.duration_ms = ctx.durationMs;
  if (ctx.tool !== undefined) envelope.tool = ctx.tool;
  return envelope;
}
