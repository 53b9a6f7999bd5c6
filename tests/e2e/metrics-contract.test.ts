/**
 * The metrics contract of the running mesh (built services, started as `scripts/start` does):
 * every live /metrics passes `promtool check metrics`, the latency histograms carry the trace
 * of a real request as an OpenMetrics exemplar, and every PromQL expression of the Grafana
 * dashboards and the Prometheus rules parses and names only series the mesh really exports,
 * a recording rule of the rule files, `up`, or one of Kong's documented series that the
 * gateway stand-in does not produce.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { kongPromtoolFindings, promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { KONG_METRICS } from '../config/design-metrics';
import { parsePromql } from '../config/promql';
import type { OtlpCollector } from './otlp-collector';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const ROOT = path.resolve(__dirname, '..', '..');
const DASHBOARD_DIR = path.join(ROOT, 'monitoring/grafana/dashboards');
const RULES_DIR = path.join(ROOT, 'monitoring/prometheus/rules');
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

/**
 * The naming findings of Kong's own series (gateway/local/test/status.test.ts explains them):
 * the stand-in exports Kong's names exactly, so these and only these are accepted.
 */

let collector: OtlpCollector;
let testMesh: TestMesh;
let mesh: Mesh;

/** The four scrape targets of monitoring/prometheus/prometheus.yml, on this mesh's ports. */
const targets = (): Record<string, string> => ({
  'automation-service': `${mesh.urls.automationMetrics}/metrics`,
  'ai-pipeline': `${mesh.urls.pipelineMetrics}/metrics`,
  'queue-worker': `${mesh.urls.workerMetrics}/metrics`,
  gateway: `${mesh.urls.gatewayStatus}/metrics`,
});

async function scrape(url: string, accept?: string): Promise<{ contentType: string; body: string }> {
  const res = await fetch(url, { headers: accept === undefined ? {} : { accept } });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return { contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

beforeAll(async () => {
  // Spans are exported, so each request runs inside a sampled trace, as in production.
  testMesh = await startTestMesh({ name: 'metrics', traces: true });
  mesh = testMesh.mesh;
  collector = testMesh.traces!;
  const key = await testMesh.keyFor('ws-metrics', 'alice');
  const post = (route: string, body: unknown) =>
    fetch(`${mesh.urls.gateway}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...key }, body: JSON.stringify(body) });

  // A little of every kind of traffic, so the labelled series exist: a success picked by the
  // selector, an error from ai-pipeline, a job run by the worker.
  const echo = await post('/ai/execute', { input: 'ping' });
  expect(echo.status).toBe(200);
  const invalid = await post('/ai/execute', { input: 'ping', tool: 'echo', params: { delay_ms: 'soon' } });
  expect(invalid.status).toBe(400);
  const submitted = await post('/ai/jobs', { action: 'echo', params: { input: 'ping' } });
  expect(submitted.status).toBe(202);
  const { job_id: jobId } = (await submitted.json()) as { job_id: string };
  await waitFor(
    `job ${jobId} to complete`,
    async () => {
      const res = await fetch(`${mesh.urls.gateway}/ai/jobs/${jobId}`, { headers: key });
      return ((await res.json()) as { status: string }).status === 'completed';
    },
    { timeoutMs: 10_000 },
  );
}, 120_000);

afterAll(async () => {
  await testMesh?.stop();
}, 60_000);

describe('the live expositions', () => {
  it.each(['automation-service', 'ai-pipeline', 'queue-worker'])('%s /metrics passes promtool check metrics', async (service) => {
    const { contentType, body } = await scrape(targets()[service] as string);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    await expect(promtoolCheckMetrics(body)).resolves.toBe('');
  });

  it("the gateway stand-in's /metrics passes promtool apart from Kong's own naming findings", async () => {
    const { body } = await scrape(targets().gateway as string);
    await expect(kongPromtoolFindings(body)).resolves.toEqual({ parsed: true, unexpected: [] });
  });

  it('answers an OpenMetrics scrape (as Prometheus asks) with the request trace as exemplar of the latency histograms', async () => {
    for (const [service, series] of [
      ['automation-service', 'ai_request_duration_seconds'],
      ['automation-service', 'http_request_duration_seconds'],
      ['ai-pipeline', 'ai_request_duration_seconds'],
      ['ai-pipeline', 'http_request_duration_seconds'],
    ] as const) {
      const { contentType, body } = await scrape(targets()[service] as string, OPENMETRICS);
      expect(contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
      expect(body.endsWith('# EOF\n')).toBe(true);
      const traceIds = body
        .split('\n')
        .filter((l) => l.startsWith(`${series}_bucket{`))
        .flatMap((l) => /# \{trace_id="([0-9a-f]{32})"\}/.exec(l)?.[1] ?? []);
      expect({ service, series, exemplars: traceIds.length > 0 }).toEqual({ service, series, exemplars: true });
      // Each exemplar names a trace this service really exported spans of (Jaeger would find it).
      const exported = (id: string) => collector.spans.some((s) => s.traceId === id && s.service === service);
      await waitFor(`the traces of ${service}'s ${series} exemplars at the collector`, async () => traceIds.every(exported), { timeoutMs: 10_000 });
    }
  });
});

describe('the dashboards and rules', () => {
  it('query only series the mesh exports, recording rules, up, or Kong series the stand-in lacks', async () => {
    const live = new Set<string>();
    for (const url of Object.values(targets())) for (const name of seriesNames((await scrape(url)).body)) live.add(name);
    // Sanity: the traffic above made the labelled series of every service appear.
    for (const name of ['ai_request_errors_total', 'ai_queue_enqueue_total', 'worker_jobs_total', 'selector_search_total', 'kong_http_requests_total', 'ai_queue_oldest_pending_age_seconds', 'ai_queue_worker_slots']) {
      expect({ name, live: live.has(name) }).toEqual({ name, live: true });
    }

    const rules = ruleExpressions();
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const allowed = (name: string) => live.has(name) || recorded.has(name) || name === 'up' || KONG_METRICS.includes(name);
    const expressions = [...dashboardExpressions(), ...rules];
    expect(expressions.length).toBeGreaterThan(0);

    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const parsed = parsePromql(expr);
      if (parsed.errors.length > 0) problems.push(`${where}: does not parse (at ${parsed.errors.join(', ')}): ${expr}`);
      for (const name of parsed.metrics) if (!allowed(name)) problems.push(`${where}: ${name} is not exported by the mesh: ${expr}`);
    }
    expect(problems).toEqual([]);
  });
});

/** The sample names of a Prometheus text exposition (histograms as _bucket, _sum, _count). */
function seriesNames(exposition: string): string[] {
  return exposition.split('\n').flatMap((line) => (line === '' || line.startsWith('#') ? [] : [/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line]));
}

interface Expression {
  where: string;
  expr: string;
  record?: string;
}

/** Every targets[].expr of every dashboard, through rows and nested panels. */
function dashboardExpressions(): Expression[] {
  const found: Expression[] = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, where));
    if (node === null || typeof node !== 'object') return;
    const panel = node as { title?: string; targets?: Array<{ expr?: string; refId?: string }>; panels?: unknown; rows?: unknown };
    const here = panel.title ? `${where} / ${panel.title}` : where;
    for (const target of panel.targets ?? []) if (target.expr) found.push({ where: `${here} [${target.refId ?? '?'}]`, expr: target.expr });
    walk(panel.panels, here);
    walk(panel.rows, here);
  };
  for (const file of readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'))) {
    walk(JSON.parse(readFileSync(path.join(DASHBOARD_DIR, file), 'utf8')) as unknown, `dashboards/${file}`);
  }
  return found;
}

/** The expr of every alert and recording rule, with the name a recording rule defines. */
function ruleExpressions(): Expression[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .flatMap((file) => {
      const doc = parse(readFileSync(path.join(RULES_DIR, file), 'utf8')) as { groups?: Array<{ rules?: Array<{ alert?: string; record?: string; expr: string }> }> };
      return (doc.groups ?? []).flatMap((g) =>
        (g.rules ?? []).map((r) => ({ where: `rules/${file} ${r.alert ?? r.record ?? '?'}`, expr: String(r.expr), ...(r.record ? { record: r.record } : {}) })),
      );
    });
}

