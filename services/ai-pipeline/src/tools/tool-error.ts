import { AppError } from '@opsconductor/kit';
import type { AppErrorOptions, ErrorCode } from '@opsconductor/kit';

/**
 * Codes whose cause is usually transient: trying the same request again later may succeed.
 * Everything else (bad input, unknown tool, ...) fails the same way every time.
 */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'INTERNAL_ERROR', 'BAD_GATEWAY', 'UNAVAILABLE', 'TIMEOUT']);

export interface ToolErrorOptions extends AppErrorOptions {
  /** False when repeating the call cannot help (e.g. the provider rejected the API key). Defaults by code. */
  retryable?: boolean;
}

/**
 * An expected tool failure that says whether a retry can help. /execute sends the flag as
 * `error.retryable` in its envelope; the durable-jobs worker reads it to choose between
 * retrying a job and failing it for good.
 */
export class ToolError extends AppError {
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, opts: ToolErrorOptions = {}) {
    super(code, message, opts);
    this.name = 'ToolError';
    this.retryable = opts.retryable ?? RETRYABLE_CODES.has(code);
  }
}

/** Whether a failed /execute is worth repeating: a ToolError says so itself, other errors go by code. */
export function isRetryable(err: AppError): boolean {
  return err instanceof ToolError ? err.retryable : RETRYABLE_CODES.has(err.code);
}

/**
 * The abort reason when the caller hung up before the answer. No envelope reaches anyone, so
 * it is only seen in metrics (`error_type="CLIENT_CLOSED"`) and logs.
 */
export class ClientClosedError extends ToolError {
  constructor() {
    super('UNAVAILABLE', 'the client closed the connection before the tool finished', { retryable: true });
    this.name = 'ClientClosedError';
  }
}
