import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { LabelValues } from 'prom-client';
import type { Logger } from 'pino';
import { runReadiness } from './health';
import type { ReadinessCheck } from './health';
import { checkServiceVersion, serviceVersionFromEnv } from './version';

export interface MetricsAppOptions {
  registry: Registry;
  logger: Logger;
  service: string;
  /** Named in /health; default SERVICE_VERSION from the environment, else `dev`. */
  version?: string;
  /** When given, the port also answers /health and /ready (the queue-worker has no other port). */
  readiness?: readonly ReadinessCheck[];
}

/**
 * The scrape port, kept apart from the API port. `/metrics` speaks the format the scraper asks
 * for: OpenMetrics (with the trace exemplars of the latency histograms) when its Accept header
 * prefers `application/openmetrics-text`, as Prometheus's does; else the Prometheus text format,
 * the one `promtool check metrics` reads.
 */
export function createMetricsApp(opts: MetricsAppOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true });
  app.get('/metrics', async (request, reply) => {
    reply.header('vary', 'accept');
    if (prefersOpenMetrics(request.headers.accept)) {
      return reply.header('content-type', Registry.OPENMETRICS_CONTENT_TYPE).send(await openMetricsText(opts.registry));
    }
    const body = await opts.registry.metrics();
    return reply.header('content-type', opts.registry.contentType).send(body);
  });
  if (opts.readiness) {
    const checks = opts.readiness;
    const version = opts.version === undefined ? serviceVersionFromEnv() : checkServiceVersion(opts.version);
    app.get('/health', async () => ({ status: 'ok', service: opts.service, version }));
    app.get('/ready', async (_request, reply) => {
      const report = await runReadiness(checks, { timeoutMs: 2000 });
      return reply.code(report.ready ? 200 : 503).send(report);
    });
  }
  return app;
}

/**
 * True when the Accept header ranks OpenMetrics (any version) at least as high as plain text
 * (`text/plain`, `text/*` or any type), with q > 0. No header, or one that does not name
 * OpenMetrics, keeps the Prometheus text format.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text;
}

/** A sample as Registry.getMetricsAsJSON returns it; `exemplar` is set on histogram buckets only. */
interface Sample {
  value: number;
  labels: LabelValues<string>;
  metricName?: string;
  exemplar?: { labelSet: LabelValues<string>; value: number; timestamp: number } | null;
}

/**
 * The registry in OpenMetrics 1.0 text, exemplars included. prom-client renders OpenMetrics
 * only from a registry made for it, and that registry renames each counter in place (drops
 * `_total` from the metric object), which would break the same counter's Prometheus text
 * afterwards; so one registry keeps both formats and this renders the OpenMetrics one from
 * its JSON (default labels applied, collect() run, as for a text scrape).
 */
export async function openMetricsText(registry: Registry): Promise<string> {
  const lines: string[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    // prom-client's types call `type` a numeric enum; at run time it is 'counter', 'gauge', ...
    const type = String(metric.type);
    // An OpenMetrics counter family is named without `_total`; its sample keeps it.
    const family = type === 'counter' ? metric.name.replace(/_total$/, '') : metric.name;
    lines.push(`# HELP ${family} ${escape(metric.help)}`, `# TYPE ${family} ${type}`);
    for (const sample of metric.values as Sample[]) {
      const name = type === 'counter' ? `${family}_total` : (sample.metricName ?? metric.name);
      let line = `${name}${labelSet(sample.labels)} ${number(sample.value)}`;
      const exemplar = sample.exemplar;
      if (exemplar && Object.keys(exemplar.labelSet).length > 0) {
        line += ` # ${labelSet(exemplar.labelSet)} ${number(exemplar.value)} ${exemplar.timestamp}`;
      }
      lines.push(line);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function labelSet(labels: LabelValues<string>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escape(String(value))}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

/** OpenMetrics escaping of label values and HELP text: backslash, double quote, newline. */
function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
