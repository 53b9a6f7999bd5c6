/**
 * Kong's opentelemetry plugin, as far as the stand-in honours it (what it refuses:
 * ../kong-config/unsupported.ts).
 *
 * The spans are not made here. instrument.ts starts the OpenTelemetry SDK (the kit's
 * startTracing) before anything loads http or undici, when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 * Its http instrumentation opens a server span per request, continuing the W3C traceparent a
 * client sent (Kong's `extract: [w3c]`): that span is the gateway's, the root of the request's
 * trace unless the client's trace goes on through it. Its undici instrumentation sends the
 * traceparent of the upstream call, a child of that span (`inject: [w3c]`). While spans are
 * recorded, this module:
 *  - takes the client's traceparent and tracestate off the request sent upstream: they would
 *    arrive next to the gateway's, and two traceparents make no valid parent (Kong's w3c
 *    injector overwrites the header just the same);
 *  - names the server span `kong`, with `http.route` the matched route's first path, as Kong
 *    3.9 names its root span, and marks it with the correlation id (as the services do).
 * The headers in propagation.clear leave the upstream request in any case. Without the SDK
 * nothing is propagated: the client's headers go upstream as sent.
 */
import { trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { TRACE_ID_HEADER, isValidTraceId, newTraceId, setCorrelationId } from '@opsconductor/kit';
import type { RouteModel } from '../kong-config/model';
import type { OpenTelemetryConfig } from '../kong-config/plugin-schemas';

export interface GatewayTracing {
  /**
   * The id a client quotes about this request: its own X-Trace-Id when valid, else the id of
   * the request's trace while spans are recorded, else `requestId` (the X-Request-Id).
   */
  correlationId(request: FastifyRequest, requestId: string): string;
  /** Access phase, once routed: the span's name and the propagation headers sent upstream. */
  access(request: FastifyRequest, route: RouteModel): void;
}

/** `recording`: an OpenTelemetry SDK records spans in this process (instrument.ts, or a test's). */
export function createTracing(config: OpenTelemetryConfig | undefined, recording: boolean): GatewayTracing {
  // Refused at start (kong-config/load.ts): Kong without the plugin records and sends no span.
  if (recording && !config) throw new Error('spans are recorded but kong.yml has no opentelemetry plugin');
  const clear = (config?.propagation.clear ?? []).map((name) => name.toLowerCase());

  return {
    correlationId(request, requestId) {
      const sent = request.headers[TRACE_ID_HEADER];
      const value = Array.isArray(sent) ? sent[0] : sent;
      if (!recording) return isValidTraceId(value) ? value : requestId;
      // The active span is the http instrumentation's server span of this request.
      const id = isValidTraceId(value) ? value : newTraceId();
      setCorrelationId(id);
      return id;
    },
    access(request, route) {
      const upstream = request.gateway.upstreamHeaders;
      for (const name of clear) upstream[name] = undefined;
      if (!recording) return;
      upstream.traceparent = undefined;
      upstream.tracestate = undefined;
      const span = trace.getActiveSpan();
      span?.updateName('kong');
      if (route.paths[0] !== undefined) span?.setAttribute('http.route', route.paths[0]);
    },
  };
}
