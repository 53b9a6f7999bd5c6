/**
 * OpenTelemetry bootstrap, loaded before the service's own code (`node --require
 * ./dist/instrument.js`) so that the http and undici modules are patched before first use.
 * Kept apart from the kit's index so that loading it pulls in nothing else.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** Paths that are probes, not traffic: they make no spans. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

export interface TracingOptions {
  serviceName: string;
  serviceVersion?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra processors (tests use an in-memory exporter to see what was recorded). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** True when spans leave the process (OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  exporting: boolean;
  shutdown(): Promise<void>;
}

/**
 * Spans are always created and W3C `traceparent` is always propagated on outgoing calls, so
 * the trace joins up across services; they are exported only when an OTLP endpoint is set.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const env = opts.env ?? process.env;
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const spanProcessors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (exporting) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (spanProcessors.length === 0) spanProcessors.push(new NoopSpanProcessor());

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? 'dev',
    }),
    spanProcessors,
    // Logs and metrics have their own paths (pino, prom-client); an empty list stops the SDK
    // from defaulting to an OTLP log exporter that would try to reach localhost:4318.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  return { exporting, shutdown: () => sdk.shutdown() };
}
