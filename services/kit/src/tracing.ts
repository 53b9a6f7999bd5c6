/**
 * OpenTelemetry bootstrap, loaded before the service's own code (`node --require
 * ./dist/instrument.js`) so that the http and undici modules are patched before first use.
 * Kept apart from the kit's index so that loading it pulls in nothing else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { CorrelationSpanProcessor } from './correlation';

/** Paths that are probes, not traffic (the gateway's status port included): they make no spans. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics', '/status', '/status/ready']);

export interface TracingOptions {
  serviceName: string;
  serviceVersion?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra processors (tests use an in-memory exporter to see what was recorded). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** True when spans leave the process (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT is set). */
  exporting: boolean;
  /** False when nothing would record a span, so the SDK was not started (see startTracing). */
  started: boolean;
  shutdown(): Promise<void>;
}

/**
 * With an OTLP endpoint (or span processors given by a test), spans are created for every
 * request and W3C `traceparent` is propagated on outgoing calls, so the trace joins up across
 * services. Without one, nothing would ever read a span, and the instrumentation alone cost
 * 15-20 % of each service's CPU on the echo path (bench/RESULTS.md): the SDK is not started.
 * X-Trace-Id still correlates the logs of every hop. OTEL_SDK_DISABLED=true turns it off even
 * with an endpoint.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const env = opts.env ?? process.env;
  const tracesUrl = otlpTracesUrl(env);
  const exporting = tracesUrl !== undefined && env.OTEL_SDK_DISABLED !== 'true';
  const recorders: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (exporting) recorders.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl })));
  if (recorders.length === 0) return { exporting: false, started: false, shutdown: async () => undefined };
  // First, so the recorders see each span with its correlation id already set.
  const spanProcessors = [new CorrelationSpanProcessor(), ...recorders];

  const instrumentations = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
    }),
    new UndiciInstrumentation(),
    // Only inside a trace: the worker's idle polling and the pools' housekeeping would otherwise
    // each start a trace of one span. A Redis span names its command only: the default would
    // record every argument of EVALSHA, the job's params among them. SQL keeps its placeholders.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
  ];
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: spanServiceVersion(env, opts.serviceVersion),
    }),
    spanProcessors,
    // Logs and metrics have their own paths (pino, prom-client); an empty list stops the SDK
    // from defaulting to an OTLP log exporter that would try to reach localhost:4318.
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  return {
    exporting,
    started: true,
    // The undici instrumentation subscribes to process-wide diagnostics channels, which
    // sdk.shutdown() leaves in place; a later startTracing in the same process would then
    // inject a second traceparent.
    shutdown: async () => {
      for (const instrumentation of instrumentations) instrumentation.disable();
      await sdk.shutdown();
    },
  };
}

/**
 * The spans' `service.version`: the deployment's own version (a canary's, say) wins over the
 * package's. SERVICE_VERSION names it for the metrics and the version header too, so the spans
 * say the same unless OTEL_SERVICE_VERSION is set. Empty counts as unset.
 */
export function spanServiceVersion(env: NodeJS.ProcessEnv, packageVersion: string | undefined): string {
  return env.OTEL_SERVICE_VERSION || env.SERVICE_VERSION || packageVersion || 'dev';
}

/**
 * The OTLP/HTTP traces URL per the OpenTelemetry spec: the signal-specific variable as is,
 * else the base endpoint plus `/v1/traces`; undefined when neither is set.
 */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/** The `version` of the package.json one folder above `dir` (a service's src/ or dist/). */
export function packageVersion(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
