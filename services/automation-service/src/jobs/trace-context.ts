import { context, propagation } from '@opentelemetry/api';
import type { TraceContext } from '@opsconductor/jobs';

/**
 * The trace a job carries so the worker continues it: the request's trace id and the W3C
 * `traceparent`/`tracestate` of the active span (absent when tracing is not started, as in
 * tests without an SDK: the propagator is then a no-op).
 */
export function jobTraceContext(traceId: string): TraceContext {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const trace: TraceContext = { trace_id: traceId };
  if (carrier.traceparent !== undefined) trace.traceparent = carrier.traceparent;
  if (carrier.tracestate !== undefined) trace.tracestate = carrier.tracestate;
  return trace;
}
