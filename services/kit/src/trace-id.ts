import { randomUUID } from 'node:crypto';

/** What a caller may send as X-Trace-Id: 1–128 chars of `[A-Za-z0-9._:-]`. */
export const TRACE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const TRACE_ID_HEADER = 'x-trace-id';

export function isValidTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID_PATTERN.test(value);
}

export function newTraceId(): string {
  return randomUUID();
}

export interface ResolvedTraceId {
  traceId: string;
  /** The value the caller sent when it was not a valid id and had to be replaced. */
  rejected?: string;
}

/**
 * Never refuses a request over its trace id: a missing one is generated, an invalid one is
 * replaced (the caller learns the new id from the response header and body).
 */
export function resolveTraceId(value: string | string[] | undefined): ResolvedTraceId {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === '') return { traceId: newTraceId() };
  if (isValidTraceId(raw)) return { traceId: raw };
  return { traceId: newTraceId(), rejected: raw };
}
