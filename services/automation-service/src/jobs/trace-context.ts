import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { TraceContext } from '@opsconductor/jobs';

const tracer = trace.getTracer('@opsconductor/automation-service');

/** OpenTelemetry messaging conventions; the queue-worker's spans name the same destination. */
const PUBLISH_ATTRIBUTES = { 'messaging.system': 'opsconductor', 'messaging.operation.type': 'send', 'messaging.destination.name': 'ai-jobs' };

/**
 * Runs `enqueue` inside an `ai-jobs publish` producer span and hands it the trace the job must
 * carry: the request's trace id and the W3C `traceparent`/`tracestate` of that span, so the
 * worker's wait and run spans hang under it. Without a started SDK the span is a no-op and the
 * job carries the trace id alone.
 */
export async function publishInTrace<T>(traceId: string, enqueue: (trace: TraceContext) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan('ai-jobs publish', { kind: SpanKind.PRODUCER, attributes: PUBLISH_ATTRIBUTES }, async (span) => {
    try {
      return await enqueue(jobTraceContext(traceId));
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The trace a job carries so the worker continues it (see publishInTrace). */
export function jobTraceContext(traceId: string): TraceContext {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const trace: TraceContext = { trace_id: traceId };
  if (carrier.traceparent !== undefined) trace.traceparent = carrier.traceparent;
  if (carrier.tracestate !== undefined) trace.tracestate = carrier.tracestate;
  return trace;
}
