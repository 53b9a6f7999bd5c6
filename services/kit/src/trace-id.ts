import { randomUUID } from 'node:crypto';
import { isSpanContextValid, trace } from '@opentelemetry/api';

/** What a caller may send as X-Trace-Id: 1–128 chars of `[A-Za-z0-9._:-]`. */
export const TRACE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const TRACE_ID_HEADER = 'x-trace-id';

export function isValidTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID_PATTERN.test(value);
}

/**
 * The id of the OpenTelemetry trace this code runs in, or a new id of the same W3C shape (32
 * lowercase hex) when no trace is recorded (no SDK started), so ids look alike either way.
 */
export function newTraceId(): string {
  const active = trace.getActiveSpan()?.spanContext();
  if (active !== undefined && isSpanContextValid(active)) return active.traceId;
  // randomUUID draws from a buffered pool; randomBytes(16) made a getrandom call per request,
  // ~5 % of ai-pipeline's CPU on the echo path. A v4 UUID keeps 122 random bits: a valid W3C id.
  return randomUUID().replaceAll('-', '');
}

export interface ResolvedTraceId {
  traceId: string;
  /** The value the caller sent when it was not a valid id and had to be replaced. */
  rejected?: string;
}

/**
 * Never refuses a request over its trace id: a caller's valid id is kept as the correlation id;
 * a missing one becomes the id of the request's trace (so it can be looked up in Jaeger as is),
 * an invalid one is replaced the same way (the caller learns the id from the response).
 */
export function resolveTraceId(value: string | string[] | undefined): ResolvedTraceId {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === '') return { traceId: newTraceId() };
  if (isValidTraceId(raw)) return { traceId: raw };
  return { traceId: newTraceId(), rejected: raw };
}
