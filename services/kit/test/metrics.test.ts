import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { Counter, Gauge } from 'prom-client';
import { ConfigError, createLogger, createMetrics, createMetricsApp, prefersOpenMetrics, serviceVersionFromEnv } from '../src';
import type { HttpMetrics } from '../src';
import { promtoolCheckMetrics, startRecordingTracing } from '../src/testing';
import type { Tracing } from '../src/tracing';
// Not port 0: a port the kernel hands out is soon another test's (see ports.ts).
import { freePort } from '../../../scripts/mesh/src/ports';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const silent = createLogger({ service: 't', level: 'silent' });

async function scrape(metrics: HttpMetrics, accept?: string) {
  const app = createMetricsApp({ registry: metrics.registry, logger: silent, service: 't' });
  try {
    return await app.inject({ method: 'GET', url: '/metrics', headers: accept === undefined ? {} : { accept } });
  } finally {
    await app.close();
  }
}

interface Line {
  name: string;
  labels: Record<string, string>;
  value: string;
  exemplar?: { labels: Record<string, string>; value: string; timestamp: string };
}

const labelsOf = (text = ''): Record<string, string> => Object.fromEntries([...text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));

/** The sample lines of an exposition (either format), labels as a map: their order is not part of either format. */
function samples(body: string): Line[] {
  return body.split('\n').flatMap((line) => {
    const m = /^(\w+)(?:\{([^}]*)\})? (\S+)(?: # \{([^}]*)\} (\S+) (\S+))?$/.exec(line);
    if (!m) return [];
    const exemplar = m[4] === undefined ? undefined : { labels: labelsOf(m[4]), value: m[5] ?? '', timestamp: m[6] ?? '' };
    return [{ name: m[1] ?? '', labels: labelsOf(m[2]), value: m[3] ?? '', ...(exemplar ? { exemplar } : {}) }];
  });
}

/** The one sample named `name` whose labels include `labels`. */
function sample(body: string, name: string, labels: Record<string, string>): Line {
  const found = samples(body).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples ${name}${JSON.stringify(labels)} in:\n${body}`);
  return found[0] as Line;
}

/** The bucket lines of `series` that carry an exemplar, as [le, exemplar labels]. */
function exemplars(body: string, series: string): Array<[string, Record<string, string>]> {
  return samples(body).flatMap((s) => (s.name === `${series}_bucket` && s.exemplar ? [[s.labels.le ?? '', s.exemplar.labels]] : []));
}

describe('metrics', () => {
  it('keeps one registry per instance, so two services in one process do not collide', () => {
    const a = createMetrics({ service: 'a', defaultMetrics: false });
    const b = createMetrics({ service: 'b', defaultMetrics: false });
    a.httpRequestsTotal.inc({ method: 'GET', route: '/x', status: '200' });
    expect(a.registry).not.toBe(b.registry);
    return b.registry.metrics().then((text) => expect(text).not.toContain('route="/x"'));
  });

  it('serves an exposition that promtool accepts, default metrics included', async () => {
    const metrics = createMetrics({ service: 'kit-test', version: 'test' });
    new Counter({ name: 'ai_requests_total', help: 'AI requests', labelNames: ['tool', 'status'], registers: [metrics.registry] }).inc({
      tool: 'echo',
      status: 'success',
    });
    metrics.httpRequestDuration.observe({ method: 'POST', route: '/execute' }, 0.004);
    const res = await scrape(metrics);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('process_cpu_seconds_total');
    expect(res.body).toContain('http_request_duration_seconds_bucket{le="0.005",service="kit-test",version="test",method="POST",route="/execute"} 1');
    await expect(promtoolCheckMetrics(res.body)).resolves.toBe('');
  });

  it('labels every series, Node\'s defaults included, with the service\'s version', async () => {
    const metrics = createMetrics({ service: 'kit-test', version: 'canary' });
    metrics.httpRequestsTotal.inc({ method: 'GET', route: '/x', status: '200' });
    const series = (await scrape(metrics)).body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(series.length).toBeGreaterThan(10);
    // nodejs_version_info has a `version` label of its own (Node's), which a default label never overrides.
    expect(series.filter((l) => !l.includes('version="canary"'))).toEqual([expect.stringMatching(/^nodejs_version_info\{version="v\d+\.\d+\.\d+",/)]);
    expect(metrics.version).toBe('canary');
    expect(() => createMetrics({ service: 'kit-test', version: 'x'.repeat(65), defaultMetrics: false })).toThrow(/expected 1–64 characters/);
  });

  it('names the version in the /health of a metrics port that serves probes (the queue-worker\'s)', async () => {
    const app = createMetricsApp({ registry: createMetrics({ service: 'w', version: 'canary', defaultMetrics: false }).registry, logger: silent, service: 'w', version: 'canary', readiness: [] });
    try {
      expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok', service: 'w', version: 'canary' });
    } finally {
      await app.close();
    }
  });

  it('takes the version from SERVICE_VERSION when the service passes none (dev when unset)', () => {
    expect(serviceVersionFromEnv({ SERVICE_VERSION: 'v1.2.3+build.4' })).toBe('v1.2.3+build.4');
    expect(serviceVersionFromEnv({})).toBe('dev');
    expect(serviceVersionFromEnv({ SERVICE_VERSION: '' })).toBe('dev');
    expect(() => serviceVersionFromEnv({ SERVICE_VERSION: 'canary"} 1' })).toThrow(ConfigError);
    expect(() => serviceVersionFromEnv({ SERVICE_VERSION: 'x'.repeat(65) })).toThrow(/^invalid configuration:\n {2}- SERVICE_VERSION: expected 1–64 characters/);
    const saved = process.env.SERVICE_VERSION;
    process.env.SERVICE_VERSION = 'from-env';
    try {
      expect(createMetrics({ service: 'kit-test', defaultMetrics: false }).version).toBe('from-env');
    } finally {
      if (saved === undefined) delete process.env.SERVICE_VERSION;
      else process.env.SERVICE_VERSION = saved;
    }
  });

  it('reports a bad exposition through promtool', async () => {
    await expect(promtoolCheckMetrics('# TYPE bad_total counter\nbad_total{a="1"} x\n')).rejects.toThrow(/promtool check metrics failed/);
  });
});

describe('content negotiation of /metrics', () => {
  it.each([
    [OPENMETRICS_ACCEPT, true],
    ['application/openmetrics-text', true],
    ['application/openmetrics-text; version=0.0.1, text/plain; q=0.5', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/plain;version=0.0.4', false],
    ['text/plain, application/openmetrics-text;q=0.5', false],
    ['application/openmetrics-text;q=0, text/plain;q=0.1', false],
  ])('Accept %p prefers OpenMetrics: %p', (accept, expected) => {
    expect(prefersOpenMetrics(accept)).toBe(expected);
  });
});

describe('exemplars without a tracing SDK', () => {
  it('records none: a span started through the bare API is a no-op without a trace id', async () => {
    const metrics = createMetrics({ service: 'kit-test', defaultMetrics: false });
    trace.getTracer('test').startActiveSpan('no-sdk', (span) => {
      metrics.httpRequestDuration.observe({ method: 'GET', route: '/a' }, 0.02);
      span.end();
    });
    const res = await scrape(metrics, OPENMETRICS_ACCEPT);
    expect(sample(res.body, 'http_request_duration_seconds_bucket', { le: '0.025', route: '/a' }).value).toBe('1');
    expect(exemplars(res.body, 'http_request_duration_seconds')).toEqual([]);
  });
});

describe('exemplars with a tracing SDK', () => {
  let tracing: Tracing;
  beforeAll(() => {
    tracing = startRecordingTracing('kit-metrics-test');
  });
  afterAll(() => tracing.shutdown());

  /** Observes inside a new active span of the recording SDK; returns its trace id. */
  function observeInSpan(metrics: HttpMetrics, route: string, seconds: number): string {
    return trace.getTracer('test').startActiveSpan('request', (span) => {
      metrics.httpRequestDuration.observe({ method: 'POST', route }, seconds);
      span.end();
      return span.spanContext().traceId;
    });
  }

  it('shows the trace id on the bucket line in OpenMetrics only; the text format stays promtool-clean', async () => {
    const metrics = createMetrics({ service: 'kit-test', version: 'test' });
    metrics.httpRequestsTotal.inc({ method: 'POST', route: '/execute', status: '200' });
    const traceId = observeInSpan(metrics, '/execute', 0.004);
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/untraced' }, 0.004);
    // A span of an unsampled trace (a parent said so): no exemplar, it would link to nothing.
    const unsampled = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
    context.with(trace.setSpan(ROOT_CONTEXT, unsampled), () => metrics.httpRequestDuration.observe({ method: 'GET', route: '/unsampled' }, 0.004));

    const om = await scrape(metrics, OPENMETRICS_ACCEPT);
    expect(om.statusCode).toBe(200);
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.headers.vary).toBe('accept');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(sample(om.body, 'http_request_duration_seconds_bucket', { le: '0.005', route: '/execute' })).toEqual({
      name: 'http_request_duration_seconds_bucket',
      labels: { le: '0.005', method: 'POST', route: '/execute', service: 'kit-test', version: 'test' },
      value: '1',
      exemplar: { labels: { trace_id: traceId }, value: '0.004', timestamp: expect.stringMatching(/^\d{10}(\.\d+)?$/) },
    });
    expect(exemplars(om.body, 'http_request_duration_seconds')).toEqual([['0.005', { trace_id: traceId }]]);
    // OpenMetrics names a counter family without _total; its samples keep it.
    expect(om.body).toContain('# TYPE http_requests counter\n');
    expect(sample(om.body, 'http_requests_total', { route: '/execute' }).value).toBe('1');
    expect(om.body.endsWith('\n# EOF\n')).toBe(true);

    // After an OpenMetrics scrape, the text format is unchanged: counters keep _total, no exemplars.
    const text = await scrape(metrics);
    expect(text.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text.body, 'http_requests_total', { route: '/execute' }).value).toBe('1');
    expect(text.body).not.toContain('# {');
    await expect(promtoolCheckMetrics(text.body)).resolves.toBe('');
  });

  it('keeps the latest exemplar per bucket, and the other signatures of observe work', async () => {
    const metrics = createMetrics({ service: 'kit-test', defaultMetrics: false });
    observeInSpan(metrics, '/x', 0.3);
    const latest = observeInSpan(metrics, '/x', 0.4);
    const fromTimer = trace.getTracer('test').startActiveSpan('timer', (span) => {
      metrics.httpRequestDuration.startTimer({ method: 'POST', route: '/x' })();
      span.end();
      return span.spanContext().traceId;
    });
    const om = await scrape(metrics, OPENMETRICS_ACCEPT);
    expect(exemplars(om.body, 'http_request_duration_seconds')).toEqual([
      ['0.001', { trace_id: fromTimer }],
      ['0.5', { trace_id: latest }],
    ]);
    expect(sample(om.body, 'http_request_duration_seconds_count', { route: '/x' }).value).toBe('3');
  });

  it('is what a real Prometheus scrapes (it asks for OpenMetrics) and stores the exemplar', async () => {
    const metrics = createMetrics({ service: 'kit-test' });
    metrics.httpRequestsTotal.inc({ method: 'POST', route: '/execute', status: '200' });
    const traceId = observeInSpan(metrics, '/execute', 0.004);
    const help = 'Quotes "like this", a backslash \\ and a label value that needs escaping';
    new Gauge({ name: 'kit_test_escaped', help, labelNames: ['text'], registers: [metrics.registry] }).set({ text: 'say "hi"\\' }, 1);
    const app = createMetricsApp({ registry: metrics.registry, logger: silent, service: 't' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const prometheus = await startPrometheus((app.server.address() as AddressInfo).port);
    try {
      const found = await prometheus.poll('the exemplar in Prometheus', async () => {
        const body = await prometheus.api(`query_exemplars?query=http_request_duration_seconds_bucket&start=0&end=${Date.now() / 1000 + 60}`);
        const labels = (body.data as Array<{ exemplars: Array<{ labels: Record<string, string> }> }>).flatMap((s) => s.exemplars.map((e) => e.labels));
        return labels.length > 0 ? labels : undefined;
      });
      expect(found).toEqual([{ trace_id: traceId }]);
      // The scrape parsed whole: the target is up and the counter kept its name.
      const targets = await prometheus.api('targets');
      const [target] = (targets.data as { activeTargets: Array<{ health: string; lastError: string }> }).activeTargets;
      expect(target).toMatchObject({ health: 'up', lastError: '' });
      const counter = await prometheus.api('query?query=http_requests_total');
      expect((counter.data as { result: Array<{ value: [number, string] }> }).result.map((r) => r.value[1])).toEqual(['1']);
      // HELP text and label values come back as they were: the escaping is OpenMetrics'.
      const escaped = await prometheus.api('query?query=kit_test_escaped');
      expect((escaped.data as { result: Array<{ metric: Record<string, string> }> }).result.map((r) => r.metric.text)).toEqual(['say "hi"\\']);
      const metadata = await prometheus.api('metadata?metric=kit_test_escaped');
      expect((metadata.data as Record<string, Array<{ help: string }>>).kit_test_escaped?.map((m) => m.help)).toEqual([help]);
    } finally {
      await prometheus.stop();
      await app.close();
    }
  });
});

/** A real Prometheus (Debian package "prometheus") scraping one target every second, exemplar storage on. */
async function startPrometheus(targetPort: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kit-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global: { scrape_interval: 1s, scrape_timeout: 900ms }\nscrape_configs:\n  - job_name: kit\n    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]\n`,
  );
  const port = await freePort();
  const child = spawn('prometheus', [
    `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--enable-feature=exemplar-storage',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => (log += `\n${err.message} (install the Debian package "prometheus")`));
  const api = async (query: string): Promise<{ data: unknown }> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/${query}`);
    if (!res.ok) throw new Error(`Prometheus answered ${res.status} to ${query}`);
    return (await res.json()) as { data: unknown };
  };
  /** Calls `probe` until it returns a value, for up to 15 s (Prometheus 2 starts scraping a new target only after its 5 s discovery tick). */
  const poll = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`timed out waiting for ${what}; Prometheus log:\n${log.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return {
    api,
    poll,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
