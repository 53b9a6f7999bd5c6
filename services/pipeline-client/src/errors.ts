import { AppError, ERROR_CODES, codeForStatus } from '@opsconductor/kit';
import type { AppErrorOptions, ErrorCode } from '@opsconductor/kit';
import { pipelineErrorSchema, wellFormedTool } from './answers';

/**
 * A failed call to ai-pipeline, as the caller of /ai/execute will see it. Carries what the
 * pipeline told us (its status and the tool it named) for logs, metrics and the envelope.
 */
export class PipelineError extends AppError {
  /** The tool ai-pipeline named in its answer, if it answered with a well-formed one. */
  readonly tool: string | undefined;
  /** ai-pipeline's HTTP status, when it answered at all. */
  readonly upstreamStatus: number | undefined;
  /** The code of ai-pipeline's error envelope, when it answered with one. */
  readonly upstreamCode: ErrorCode | undefined;
  /**
   * Whether the same call may succeed later: ai-pipeline's own `error.retryable` when it said
   * so, else true for transport failures, timeouts, 429 and 5xx, false for the caller's 4xx.
   */
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    opts: AppErrorOptions & { tool?: string; upstreamStatus?: number; upstreamCode?: ErrorCode; retryable?: boolean } = {},
  ) {
    super(code, message, opts);
    this.name = 'PipelineError';
    this.tool = opts.tool;
    this.upstreamStatus = opts.upstreamStatus;
    this.upstreamCode = opts.upstreamCode;
    this.retryable = opts.retryable ?? (code === 'RATE_LIMITED' || this.status >= 500);
  }
}

/** The caller went away before ai-pipeline answered; the upstream call was aborted. */
export class CallCancelledError extends Error {
  constructor() {
    super('the caller closed the connection before ai-pipeline answered');
    this.name = 'CallCancelledError';
  }
}

/**
 * Socket-level failures that mean "could not reach ai-pipeline or it hung up": node's errno
 * codes from connect/DNS and undici's own socket and connect-timeout codes.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

export function timeoutError(timeoutMs: number): PipelineError {
  return new PipelineError('TIMEOUT', `AI Pipeline request timed out after ${formatSeconds(timeoutMs)}`);
}

export function unreachableError(cause: unknown): PipelineError {
  return new PipelineError('BAD_GATEWAY', 'AI Pipeline is unreachable', { cause });
}

/**
 * Maps a non-200 (or malformed 200) answer of ai-pipeline to what our caller gets:
 * - 4xx with an envelope: the caller's own mistake (unknown tool, bad params, 429), passed
 *   through with its code, message, details and Retry-After;
 * - 5xx: 502, naming the upstream status and code so an operator can tell failures apart;
 * - anything that is not the envelope: 502.
 */
export function errorFromAnswer(status: number, body: string, retryAfter: string | undefined): PipelineError {
  const envelope = parseEnvelope(body);
  const tool = wellFormedTool(envelope?.tool);
  if (status >= 400 && status < 500) {
    if (!envelope) return new PipelineError('BAD_GATEWAY', `AI Pipeline answered ${status} with an unexpected body`, { upstreamStatus: status });
    // The envelope's code normally matches the status; when it does not, the status wins.
    const code = ERROR_CODES[envelope.error.code] === status ? envelope.error.code : codeForStatus(status);
    return new PipelineError(code, envelope.error.message, {
      details: envelope.error.details,
      retryAfterS: parseRetryAfter(retryAfter),
      tool,
      upstreamStatus: status,
      retryable: envelope.error.retryable,
    });
  }
  if ((status === 503 || status === 504) && envelope && ERROR_CODES[envelope.error.code] === status) {
    // ai-pipeline answered and says "later": a tool's provider is down or its circuit open, a
    // tool timed out. The caller gets the same 503/504 and Retry-After, which tell it when to
    // come back; a 502 would hide both.
    return new PipelineError(envelope.error.code, envelope.error.message, {
      retryAfterS: parseRetryAfter(retryAfter),
      tool,
      upstreamStatus: status,
      upstreamCode: envelope.error.code,
      retryable: envelope.error.retryable,
    });
  }
  if (status >= 500) {
    const what = envelope ? `${status} ${envelope.error.code}: ${envelope.error.message}` : `${status} (unexpected body)`;
    return new PipelineError('BAD_GATEWAY', `AI Pipeline failed: ${what}`, {
      tool,
      upstreamStatus: status,
      upstreamCode: envelope?.error.code,
      retryable: envelope?.error.retryable,
    });
  }
  return new PipelineError('BAD_GATEWAY', `AI Pipeline answered ${status} with an unexpected body`, { tool, upstreamStatus: status });
}

function parseEnvelope(body: string) {
  try {
    const parsed = pipelineErrorSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Only the delay-seconds form is passed on; an HTTP-date is rare between our own services. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** 30000 → "30s", 200 → "0.2s": the seed's wording, exact for any configured timeout. */
export function formatSeconds(ms: number): string {
  return `${ms / 1000}s`;
}
