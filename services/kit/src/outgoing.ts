import { context, propagation } from '@opentelemetry/api';
import { TRACE_ID_HEADER } from './trace-id';

/**
 * Headers for a call to another service: our trace id, plus the W3C trace context of the
 * active span (`traceparent`, `tracestate`), so the callee continues the same trace even when
 * the client library is not instrumented.
 */
export function outgoingTraceHeaders(traceId: string): Record<string, string> {
  const headers: Record<string, string> = { [TRACE_ID_HEADER]: traceId };
  propagation.inject(context.active(), headers);
  return headers;
}
