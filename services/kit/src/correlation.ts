import { trace } from '@opentelemetry/api';
import type { Context, Span as ApiSpan } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The span attribute holding the request's correlation id: the caller's own X-Trace-Id when it
 * sent one, else the trace's id. Searchable in Jaeger as a tag; set on every span of the trace.
 */
export const CORRELATION_ATTRIBUTE = 'opsconductor.correlation_id';

/** Marks the active span (a request's server span, a job's run) with the correlation id. */
export function setCorrelationId(correlationId: string, span: ApiSpan | undefined = trace.getActiveSpan()): void {
  span?.setAttribute(CORRELATION_ATTRIBUTE, correlationId);
}

/**
 * Names the active server span `METHOD /route/:pattern` with `http.route`, as framework
 * instrumentations do: the http instrumentation alone knows only the method.
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  const span = trace.getActiveSpan();
  if (span === undefined || route === undefined) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
}

/**
 * Copies the correlation id from a span's in-process parent, so the redis, pg and outgoing http
 * spans under a request carry it too. Across processes it travels as X-Trace-Id (the next
 * service marks its own server span) or in the job's trace context (the worker marks its run).
 */
export class CorrelationSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const parent = trace.getSpan(parentContext) as Partial<ReadableSpan> | undefined;
    const value = parent?.attributes?.[CORRELATION_ATTRIBUTE];
    if (typeof value === 'string') span.setAttribute(CORRELATION_ATTRIBUTE, value);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
