import type { ErrorEnvelope } from './types';

/** Codes made here, not by the API: the request never got an envelope back. */
export const NETWORK_ERROR = 'NETWORK_ERROR';
export const CANCELLED = 'CANCELLED';

/**
 * A failed API call: the envelope's code, message and details, plus what the answer's headers
 * said (trace id, Retry-After). Components branch on `code`, never on the message.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  readonly traceId: string | undefined;
  readonly tool: string | undefined;
  readonly durationMs: number | undefined;
  /** Seconds, from Retry-After. */
  readonly retryAfter: number | undefined;

  constructor(opts: { code: string; message: string; status: number; details?: unknown; traceId?: string; tool?: string; durationMs?: number; retryAfter?: number }) {
    super(opts.message);
    this.name = 'ApiError';
    this.code = opts.code;
    this.status = opts.status;
    this.details = opts.details;
    this.traceId = opts.traceId;
    this.tool = opts.tool;
    this.durationMs = opts.durationMs;
    this.retryAfter = opts.retryAfter;
  }
}

export function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

const SENTENCES: Record<string, string> = {
  VALIDATION_ERROR: 'The request was refused because some fields are invalid.',
  UNAUTHORIZED: 'The API key is missing, unknown, revoked or expired. Enter a valid key in Settings.',
  FORBIDDEN: 'This API key is not allowed to do that: it lacks the scope, or the action is not on the workspace allowlist.',
  NOT_FOUND: 'Nothing was found there: it does not exist, belongs to another workspace, or was pruned.',
  CONFLICT: 'That conflicts with the current state, for example a job that already finished.',
  PAYLOAD_TOO_LARGE: 'The request is too large for the gateway.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body was not JSON.',
  RATE_LIMITED: 'Too many requests for this workspace right now.',
  INTERNAL_ERROR: 'The service failed unexpectedly. The trace id lets an operator find out why.',
  BAD_GATEWAY: 'The AI pipeline failed or could not be reached.',
  UNAVAILABLE: 'The service is unavailable right now (actions switched off, or a dependency down). Try again shortly.',
  TIMEOUT: 'The AI pipeline did not answer in time.',
  [NETWORK_ERROR]: 'The gateway could not be reached. Check the gateway URL in Settings and your connection.',
  [CANCELLED]: 'The request was cancelled before an answer arrived.',
};

/** One sentence a person can act on, for an envelope code. */
export function humanSentence(code: string, retryAfter?: number): string {
  const sentence = SENTENCES[code] ?? `The request failed (${code}).`;
  if (code === 'RATE_LIMITED' && retryAfter !== undefined) return `${sentence} Try again in ${retryAfter} s.`;
  return sentence;
}

/** `details` of a VALIDATION_ERROR as lines: the API sends a list of {field|path, message}. */
export function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return details === undefined || details === null ? [] : [JSON.stringify(details)];
  return details.map((d: unknown) => {
    if (typeof d === 'string') return d;
    if (typeof d === 'object' && d !== null) {
      const rec = d as Record<string, unknown>;
      const where = rec.field ?? rec.path ?? rec.param;
      const what = rec.message ?? rec.reason;
      if (where !== undefined && what !== undefined) return `${String(where)}: ${String(what)}`;
    }
    return JSON.stringify(d);
  });
}
