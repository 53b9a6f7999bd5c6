import { TraceFlags, isSpanContextValid, trace } from '@opentelemetry/api';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HistogramConfiguration, LabelValues, ObserveDataWithExemplar } from 'prom-client';
import { checkServiceVersion, serviceVersionFromEnv } from './version';

/** Latency buckets in seconds, dense below 100 ms where the echo path lives. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface HttpMetrics {
  registry: Registry;
  /** The `version` label of every series of the registry; the HTTP app answers with it too. */
  version: string;
  httpRequestsTotal: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route'>;
}

export interface MetricsOptions {
  service: string;
  /** The `version` label (a service passes its config's SERVICE_VERSION); default SERVICE_VERSION from the environment, else `dev`. */
  version?: string;
  defaultMetrics?: boolean;
}

/**
 * A registry per service instance (no global), with Node's default metrics and the two HTTP
 * series every service exposes. Every series carries `service` and `version` (so a canary's
 * series are told apart from stable's). Labels are bounded: `route` is the route pattern, never a path.
 */
export function createMetrics(opts: MetricsOptions): HttpMetrics {
  const version = opts.version === undefined ? serviceVersionFromEnv() : checkServiceVersion(opts.version);
  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.service, version });
  if (opts.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client exports these gauges with a `_total` suffix, which `promtool check metrics`
    // rejects (only counters end in _total). The same numbers stay available per type in
    // nodejs_active_handles / nodejs_active_requests / nodejs_active_resources.
    for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  const httpRequestsTotal = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpRequestDuration = createTracedHistogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return { registry, version, httpRequestsTotal, httpRequestDuration };
}

/**
 * The exemplar of an observation: the trace id of the active span, when there is one whose
 * trace is sampled (an exemplar of an unsampled trace would link to a trace no backend has).
 * Without a tracing SDK there is never an active span: one context lookup, nothing else.
 */
export function traceExemplar(): { trace_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const ctx = span.spanContext();
  if ((ctx.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId };
}

type Observe<T extends string> = Histogram<T>['observe'];

/**
 * A histogram whose observations carry the active trace as an OpenMetrics exemplar (one per
 * bucket, the latest), shown by an OpenMetrics scrape only (metrics-app.ts). `observe` keeps
 * prom-client's usual signatures; with `enableExemplars` prom-client would take only the
 * `{ labels, value, exemplarLabels }` form, so callers need not know about exemplars.
 */
export function createTracedHistogram<T extends string>(config: HistogramConfiguration<T> & { registers: Registry[] }): Histogram<T> {
  const { registers, ...rest } = config;
  // prom-client refuses an exemplar histogram on a registry whose format is Prometheus text;
  // the format is chosen per scrape here, so the histogram is registered after construction.
  const histogram = new Histogram<T>({ ...rest, registers: [], enableExemplars: true });
  for (const registry of registers) registry.registerMetric(histogram);

  const observeData = histogram.observe.bind(histogram) as (data: ObserveDataWithExemplar<T>) => void;
  const observe = (labelsOrData?: LabelValues<T> | ObserveDataWithExemplar<T> | number, value?: number): void => {
    const data: ObserveDataWithExemplar<T> =
      typeof labelsOrData === 'number'
        ? { value: labelsOrData }
        : typeof value === 'number'
          ? { labels: labelsOrData as LabelValues<T>, value }
          : (labelsOrData as ObserveDataWithExemplar<T>); // the explicit form, as prom-client's startTimer calls it
    const given = data.exemplarLabels !== undefined && Object.keys(data.exemplarLabels).length > 0;
    const exemplar = given ? undefined : traceExemplar();
    // Exemplar labels are not the metric's labels, whatever prom-client's type says.
    observeData(exemplar ? { ...data, exemplarLabels: exemplar as unknown as LabelValues<T> } : data);
  };
  histogram.observe = observe as Observe<T>;
  return histogram;
}
