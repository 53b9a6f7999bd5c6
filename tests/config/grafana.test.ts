import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse, stringify } from 'yaml';
import { CORRELATION_ATTRIBUTE } from '../../services/kit/src/correlation';
import type { ComposeFile } from './compose-config';
import { containerPort, loadResolvedCompose, mount } from './compose-config';
import { isKnownMetric } from './design-metrics';
import { parsePromql } from './promql';
import { REPO_ROOT, runTool } from './run-tool';

const GRAFANA_DIR = path.join(REPO_ROOT, 'monitoring/grafana');
const DASHBOARD_DIR = path.join(GRAFANA_DIR, 'dashboards');
const DATASOURCE_DIR = path.join(GRAFANA_DIR, 'provisioning/datasources');
const RULES_DIR = path.join(REPO_ROOT, 'monitoring/prometheus/rules');

interface DataSourceRef {
  type?: string;
  uid?: string;
}

interface DataLink {
  title: string;
  url: string;
  internal?: { datasourceUid: string; query: { datasource?: DataSourceRef; queryType?: string; service?: string; tags?: string } };
}

interface Target {
  refId: string;
  expr: string;
  datasource?: DataSourceRef;
  format?: string;
  exemplar?: boolean;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DataSourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  fieldConfig?: { defaults: { unit?: string; links?: DataLink[] } };
  options?: { yAxis?: { unit?: string } };
  targets?: Target[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  datasource?: DataSourceRef;
  query?: string | { query: string };
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  links?: { title: string; type: string; url?: string }[];
  panels: Panel[];
  templating?: { list: Variable[] };
}

interface DataSource {
  name: string;
  uid: string;
  type: string;
  url: string;
  isDefault?: boolean;
  jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid?: string; url?: string }[] };
}

const datasources: DataSource[] = readdirSync(DATASOURCE_DIR)
  .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
  .flatMap((f) => (parse(readFileSync(path.join(DATASOURCE_DIR, f), 'utf8')) as { datasources: DataSource[] }).datasources);
const datasourceByUid = new Map(datasources.map((d) => [d.uid, d]));
const providers = (parse(readFileSync(path.join(GRAFANA_DIR, 'provisioning/dashboards/dashboards.yml'), 'utf8')) as {
  providers: { name: string; type: string; options: { path: string } }[];
}).providers;

/** Names the Prometheus rule files record: dashboards may read them like any exported series. */
const recordedNames = new Set(
  readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => (parse(readFileSync(path.join(RULES_DIR, f), 'utf8')) as { groups: { rules: { record?: string }[] }[] }).groups)
    .flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))),
);

const dashboardFiles = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'));
const dashboards = dashboardFiles.map((f) => [f, JSON.parse(readFileSync(path.join(DASHBOARD_DIR, f), 'utf8')) as Dashboard] as const);
const dashboardNamed = (file: string): Dashboard => {
  const found = dashboards.find(([f]) => f === file);
  if (!found) throw new Error(`monitoring/grafana/dashboards/${file} is missing`);
  return found[1];
};

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const oneLine = (expr: string): string => expr.replace(/\s+/g, ' ').trim();

/** Metric names a template variable query reads: `label_values([selector, ]label)` or plain PromQL. */
function variableMetrics(query: string): { metrics: string[]; errors: number[] } {
  const labelValues = /^label_values\(\s*(?:([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s*,\s*)?[a-zA-Z_]\w*\s*\)$/.exec(query.trim());
  if (labelValues) return labelValues[1] ? parsePromql(labelValues[1]) : { metrics: [], errors: [] };
  const queryResult = /^query_result\((.*)\)$/s.exec(query.trim());
  return parsePromql(queryResult ? queryResult[1]! : query);
}

const variableQuery = (v: Variable): string => (typeof v.query === 'string' ? v.query : (v.query?.query ?? ''));

/** Grafana's own variables; any other `$name` must be one of the dashboard's. */
const BUILTIN_VARIABLES = new Set(['__rate_interval', '__interval', '__range', '__from', '__to']);

function variablesUsed(text: string): string[] {
  return [...text.matchAll(/\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g)].map((m) => (m[1] ?? m[2])!);
}

/** A node of a parsed query (@lezer/common's SyntaxNode, which the root does not depend on by name). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const COUNTER_SERIES = /_(total|bucket|count|sum)$/;
const RATE_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function descendants(node: SyntaxNode): SyntaxNode[] {
  return children(node).flatMap((c) => [c, ...descendants(c)]);
}

/**
 * What Prometheus' grammar accepts but a chart gets wrong: rate() of a gauge or of a recorded
 * (already rated) series, a histogram_quantile that loses `le` or reads something other than
 * buckets, and raw buckets charted as if they were a series (only a heatmap reads them so).
 */
function promqlMisuses(expr: string, heatmap: boolean): string[] {
  const text = expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');
  const at = (n: SyntaxNode): string => text.slice(n.from, n.to);
  const problems: string[] = [];
  const all = descendants(parser.parse(text).topNode);
  const selectorNames = (n: SyntaxNode): string[] =>
    descendants(n).filter((d) => d.name === 'Identifier' && d.parent?.name === 'VectorSelector').map(at);
  const functionName = (n: SyntaxNode): string => at(n.getChild('FunctionIdentifier')!);
  const quantiles = all.filter((n) => n.name === 'FunctionCall' && functionName(n) === 'histogram_quantile');

  for (const call of all.filter((n) => n.name === 'FunctionCall' && RATE_FUNCTIONS.has(functionName(n)))) {
    for (const name of selectorNames(call)) {
      if (!COUNTER_SERIES.test(name) || name.includes(':')) problems.push(`${functionName(call)}() over ${name}, not a counter`);
    }
  }
  for (const call of quantiles) {
    for (const name of selectorNames(call)) if (!name.endsWith('_bucket')) problems.push(`histogram_quantile over ${name}, not a _bucket series`);
    const aggregations = descendants(call).filter((n) => n.name === 'AggregateExpr');
    if (aggregations.length === 0) problems.push('histogram_quantile without an aggregation by le');
    for (const agg of aggregations) {
      const modifier = agg.getChild('AggregateModifier');
      const labels = modifier ? descendants(modifier).filter((n) => n.name === 'LabelName').map(at) : [];
      const keepsLe = modifier?.getChild('By') ? labels.includes('le') : modifier?.getChild('Without') ? !labels.includes('le') : false;
      if (!keepsLe) problems.push(`histogram_quantile over "${at(agg)}", which drops le`);
    }
  }
  const inQuantile = (n: SyntaxNode): boolean => quantiles.some((q) => q.from <= n.from && n.to <= q.to);
  for (const sel of all.filter((n) => n.name === 'Identifier' && n.parent?.name === 'VectorSelector' && at(n).endsWith('_bucket'))) {
    if (!inQuantile(sel) && !heatmap) problems.push(`${at(sel)} outside histogram_quantile in a target that is no heatmap`);
  }
  return problems;
}

/** The unit a panel shows its values in: field config, or a heatmap's y axis. */
const unitOf = (p: Panel): string | undefined => p.fieldConfig?.defaults.unit ?? p.options?.yAxis?.unit;

/** Data links that open Explore on a data source (the trace links). */
const internalLinks = (p: Panel): DataLink[] => (p.fieldConfig?.defaults.links ?? []).filter((l) => l.internal);

/**
 * Per dashboard, the panels an operator looks for, each by title and by what its queries must
 * compute (every pattern is matched by one of the panel's queries, whitespace collapsed).
 */
const REQUIRED_PANELS: Record<string, { title: string; exprs: RegExp[] }[]> = {
  'execution.json': [
    { title: 'Request rate by tool', exprs: [/^sum by \(tool\) \(rate\(ai_requests_total\{/] },
    { title: 'Error rate', exprs: [/^sum by \(job\) \(rate\(ai_request_errors_total\{.*\}\[\$__rate_interval\]\)\) \/ sum by \(job\) \(rate\(ai_requests_total\{/] },
    {
      title: 'Latency percentiles',
      exprs: ['0.5', '0.95', '0.99'].map((q) => new RegExp(`^histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(le\\) \\(rate\\(ai_request_duration_seconds_bucket\\{`)),
    },
    { title: 'Request duration distribution', exprs: [/^sum by \(le\) \(increase\(ai_request_duration_seconds_bucket\{/] },
    { title: 'Errors by type', exprs: [/^sum by \(error_type\) \(rate\(ai_request_errors_total\{/] },
    { title: 'Errors by tool', exprs: [/^sum by \(tool\) \(rate\(ai_request_errors_total\{/] },
    { title: 'Stable vs canary: request rate', exprs: [/^job:ai_requests:rate5m\{.*track/] },
    { title: 'Stable vs canary: error ratio', exprs: [/^job:ai_request_error_ratio:rate5m\{.*track/] },
    { title: 'Stable vs canary: latency', exprs: [/^job:ai_request_duration_seconds:p95_5m\{.*track/, /^job:ai_request_duration_seconds:p99_5m\{.*track/] },
    { title: 'SLO burn rate', exprs: ['1h', '6h', '3d'].map((w) => new RegExp(`^job:ai_request_error_ratio:rate${w}\\{[^}]*\\} / 0\\.001$`)) },
    { title: 'HTTP requests by route and status', exprs: [/by \([^)]*route, status\) \(rate\(http_requests_total/] },
    { title: 'Circuit breakers', exprs: [/^sum by \(job, breaker\) \(circuit_breaker_state\{state="open"/, /^sum by \(job, breaker\) \(circuit_breaker_state\{state="half_open"/] },
    {
      title: 'Circuit breaker calls: rejected and failed',
      exprs: [/^sum by \(job, breaker\) \(rate\(circuit_breaker_calls_total\{result="rejected"/, /^sum by \(job, breaker\) \(rate\(circuit_breaker_calls_total\{result="failure"/],
    },
  ],
  'selector.json': [
    { title: 'Selections by platform', exprs: [/^sum by \(platform\) \(rate\(selector_search_total\{/] },
    {
      title: 'Selection latency',
      exprs: ['0.5', '0.95', '0.99'].map((q) => new RegExp(`^histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(le\\) \\(rate\\(selector_search_duration_seconds_bucket`)),
    },
    { title: 'Cache hit rate', exprs: [/^sum\(rate\(selector_cache_hits_total.*\)\) \/ \(sum\(rate\(selector_cache_hits_total.*\)\) \+ sum\(rate\(selector_cache_misses_total.*\)\)\)$/] },
    { title: 'Top tools', exprs: [/^topk\(\d+, sum by \(tool\) \(increase\(ai_requests_total\{job="ai-pipeline"[^}]*\}\[\$__range\]\)\)\)$/] },
    { title: 'Selection errors', exprs: [/^sum by \(tool, error_type\) \(rate\(ai_request_errors_total\{job="ai-pipeline", error_type=~"VALIDATION_ERROR\|NOT_FOUND"\}/] },
  ],
  'queue-workers.json': [
    { title: 'Queue depth by status', exprs: [/^max by \(status\) \(ai_queue_depth\{/] },
    { title: 'Enqueue vs dequeue rate', exprs: [/rate\(ai_queue_enqueue_total[{[]/, /rate\(ai_queue_dequeue_total[{[]/] },
    {
      title: 'Job duration',
      exprs: ['0.5', '0.95', '0.99'].map((q) => new RegExp(`^histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(status, le\\) \\(rate\\(ai_job_duration_seconds_bucket`)),
    },
    { title: 'Retries', exprs: [/rate\(worker_jobs_total\{[^}]*status="retry"/] },
    { title: 'Dead-letter jobs', exprs: [/^max\(ai_queue_depth\{[^}]*status="dead"/] },
    { title: 'Workers', exprs: [/^sum\(ai_queue_worker_slots\{/, /^sum\(ai_queue_workers\{/] },
    { title: 'Oldest pending job age', exprs: [/^max\(ai_queue_oldest_pending_age_seconds\{/] },
  ],
  'gateway.json': [
    { title: 'Request rate', exprs: [/^sum by \([^)]*\) \(rate\(kong_http_requests_total\{/] },
    { title: 'Status codes', exprs: [/^sum by \(code\) \(rate\(kong_http_requests_total\{/] },
    ...(
      [
        ['Request latency', 'kong_request_latency_ms'],
        ['Upstream latency', 'kong_upstream_latency_ms'],
        ['Kong latency', 'kong_kong_latency_ms'],
      ] as const
    ).map(([title, metric]) => ({
      title,
      exprs: ['0.5', '0.95', '0.99'].map((q) => new RegExp(`^histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(le\\) \\(rate\\(${metric}_bucket`)),
    })),
    { title: 'Upstream target health', exprs: [/^max by \(upstream, target, state\) \(kong_upstream_target_health\) == 1$/] },
  ],
};

describe('monitoring/grafana', () => {
  let compose: ComposeFile;

  beforeAll(async () => {
    compose = await loadResolvedCompose();
  });

  describe('provisioning', () => {
    const prometheus = datasources.filter((d) => d.type === 'prometheus');
    const jaeger = datasources.filter((d) => d.type === 'jaeger');

    it('provisions the compose Prometheus as the only default data source, under uid "prometheus"', () => {
      expect(prometheus).toHaveLength(1);
      expect(prometheus[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
      expect(datasources.filter((d) => d.isDefault)).toHaveLength(1);
      expect(compose.services.prometheus).toBeDefined();
    });

    it('provisions the compose Jaeger under uid "jaeger", on the port its UI and query API listen on', () => {
      expect(jaeger).toHaveLength(1);
      expect(jaeger[0]).toMatchObject({ uid: 'jaeger', url: 'http://jaeger:16686' });
      expect((compose.services.jaeger?.ports ?? []).map(containerPort)).toContain(16686);
    });

    it('links Prometheus exemplars (label trace_id) to the Jaeger data source', () => {
      const destinations = prometheus[0]?.jsonData?.exemplarTraceIdDestinations ?? [];
      expect(destinations).toContainEqual(expect.objectContaining({ name: 'trace_id', datasourceUid: 'jaeger' }));
      for (const d of destinations.filter((x) => x.datasourceUid)) expect(datasourceByUid.get(d.datasourceUid!)?.type).toBe('jaeger');
    });

    it('gives every data source its own uid and name', () => {
      expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);
      expect(new Set(datasources.map((d) => d.name)).size).toBe(datasources.length);
    });

    it('loads dashboards from the folder compose mounts there, and the provisioning folder is mounted', () => {
      const grafana = compose.services.grafana!;
      const mounts = (grafana.volumes ?? []).map(mount);
      expect(providers).toHaveLength(1);
      expect(mounts).toContainEqual({ source: DASHBOARD_DIR, target: providers[0]!.options.path, readOnly: true });
      expect(mounts).toContainEqual({ source: path.join(GRAFANA_DIR, 'provisioning'), target: '/etc/grafana/provisioning', readOnly: true });
    });

    it('serves Grafana on port 3200', () => {
      expect(compose.services.grafana!.environment).toMatchObject({ GF_SERVER_HTTP_PORT: '3200' });
    });
  });

  describe('the dashboard set', () => {
    it('has one file per dashboard, each with its own uid, all on the schema of execution.json', () => {
      expect(dashboardFiles.sort()).toEqual(Object.keys(REQUIRED_PANELS).sort());
      expect(new Set(dashboards.map(([, d]) => d.uid)).size).toBe(dashboards.length);
      const schema = dashboardNamed('execution.json').schemaVersion;
      for (const [file, d] of dashboards) expect({ file, schemaVersion: d.schemaVersion }).toEqual({ file, schemaVersion: schema });
    });

    it('writes every query so that promtool (Prometheus\' own parser and type checker) accepts it', async () => {
      // Each query becomes a recording rule; Grafana's interval variables get a duration first.
      const groups = dashboards.map(([file, d], i) => ({
        name: file,
        rules: allPanels(d.panels).flatMap((p) =>
          (p.targets ?? []).map((t) => ({
            record: `grafana_check:dashboard_${i}_panel_${p.id}_${t.refId}`,
            expr: t.expr.replace(/\$__(rate_interval|interval)\b/g, '1m').replace(/\$__range\b/g, '1h'),
          })),
        ),
      }));
      const dir = await mkdtemp(path.join(os.tmpdir(), 'grafana-queries-'));
      try {
        const file = path.join(dir, 'queries.yml');
        await writeFile(file, stringify({ groups }));
        const result = await runTool('promtool', ['check', 'rules', file], { debianPackage: 'prometheus' });
        expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
        expect(result.stdout).toContain(`${groups.reduce((n, g) => n + g.rules.length, 0)} rules found`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe.each(dashboards)('dashboards/%s', (file, dashboard) => {
    const panels = allPanels(dashboard.panels);
    const charts = panels.filter((p) => p.type !== 'row');
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, panelType: p.type, ...t })));
    const variables = dashboard.templating?.list ?? [];

    it('is a dashboard with a uid, a title and a current schema', () => {
      expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
      expect(dashboard.title).toBeTruthy();
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(charts.length).toBeGreaterThan(0);
    });

    it('titles every panel and numbers it uniquely', () => {
      for (const p of panels) expect({ id: p.id, title: p.title }).toEqual({ id: p.id, title: expect.stringMatching(/\S/) });
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    });

    it('places each panel on the 24-column grid without overlapping another', () => {
      for (const p of panels) expect({ title: p.title, right: p.gridPos.x + p.gridPos.w <= 24 }).toEqual({ title: p.title, right: true });
      const overlaps = (a: Panel['gridPos'], b: Panel['gridPos']): boolean =>
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      const clashes = panels.flatMap((a, i) => panels.slice(i + 1).filter((b) => overlaps(a.gridPos, b.gridPos)).map((b) => `${a.title} / ${b.title}`));
      expect(clashes).toEqual([]);
    });

    it('queries a provisioned Prometheus data source by its uid, from every panel, query and query variable', () => {
      const refs = [
        ...charts.map((p) => ({ where: p.title, ref: p.datasource })),
        ...targets.map((t) => ({ where: `${t.panel} ${t.refId}`, ref: t.datasource ?? { type: 'prometheus', uid: 'prometheus' } })),
        ...variables.filter((v) => v.type === 'query').map((v) => ({ where: `$${v.name}`, ref: v.datasource })),
      ];
      for (const { where, ref } of refs) {
        const provisioned = datasourceByUid.get(ref?.uid ?? '');
        expect({ where, ref }).toEqual({ where, ref: { type: 'prometheus', uid: expect.any(String) } });
        expect({ where, type: provisioned?.type }).toEqual({ where, type: 'prometheus' });
      }
    });

    it('writes every query in valid PromQL over exported series or recording rules of monitoring/prometheus/rules', () => {
      expect(targets.length).toBeGreaterThan(0);
      const queries = [
        ...targets.map((t) => ({ where: `${t.panel} ${t.refId}`, ...parsePromql(t.expr) })),
        ...variables.filter((v) => v.type === 'query').map((v) => ({ where: `$${v.name}`, ...variableMetrics(variableQuery(v)) })),
      ];
      for (const q of queries) {
        const unknown = q.metrics.filter((m) => !isKnownMetric(m) && !recordedNames.has(m));
        expect({ where: q.where, errors: q.errors, unknown, anyMetric: q.metrics.length > 0 }).toEqual({ where: q.where, errors: [], unknown: [], anyMetric: true });
      }
    });

    it('rates counters only, and takes quantiles of buckets aggregated by le', () => {
      for (const t of targets) {
        expect({ where: `${t.panel} ${t.refId}`, misuses: promqlMisuses(t.expr, t.format === 'heatmap') }).toEqual({ where: `${t.panel} ${t.refId}`, misuses: [] });
      }
    });

    it('uses only variables the dashboard defines (or Grafana\'s own), in queries and trace links', () => {
      const defined = new Set([...variables.map((v) => v.name), ...BUILTIN_VARIABLES]);
      const texts = [
        ...targets.map((t) => ({ where: `${t.panel} ${t.refId}`, text: t.expr })),
        ...variables.map((v) => ({ where: `$${v.name}`, text: variableQuery(v) })),
        ...charts.flatMap((p) => internalLinks(p).map((l) => ({ where: `${p.title} link ${l.title}`, text: JSON.stringify(l) }))),
        ...(dashboard.links ?? []).map((l) => ({ where: `link ${l.title}`, text: l.url ?? '' })),
      ];
      for (const { where, text } of texts) {
        const used = variablesUsed(text).filter((v) => !v.startsWith('__field') && !v.startsWith('__value') && !v.startsWith('__series'));
        expect({ where, undefined: used.filter((v) => !defined.has(v)) }).toEqual({ where, undefined: [] });
      }
    });

    it('sets a unit on every panel, seconds or milliseconds as the histogram it reads', () => {
      for (const p of charts) {
        const exprs = (p.targets ?? []).map((t) => t.expr);
        const expected = exprs.length > 0 && exprs.every((e) => /^histogram_quantile\(.*_seconds_bucket/.test(oneLine(e)))
          ? 's'
          : exprs.length > 0 && exprs.every((e) => /^histogram_quantile\(.*_ms_bucket/.test(oneLine(e)))
            ? 'ms'
            : expect.stringMatching(/\S/);
        expect({ title: p.title, unit: unitOf(p) }).toEqual({ title: p.title, unit: expected });
      }
    });

    it('shows exemplars wherever it reads ai_request_duration_seconds buckets', () => {
      for (const t of targets.filter((x) => x.expr.includes('ai_request_duration_seconds_bucket'))) {
        expect({ where: `${t.panel} ${t.refId}`, exemplar: t.exemplar }).toEqual({ where: `${t.panel} ${t.refId}`, exemplar: true });
      }
    });

    it('points its Explore links at provisioned data sources', () => {
      for (const p of charts) {
        for (const link of internalLinks(p)) {
          const uid = link.internal!.datasourceUid;
          expect({ where: `${p.title} ${link.title}`, provisioned: datasourceByUid.has(uid), queryUid: link.internal!.query.datasource?.uid ?? uid }).toEqual({
            where: `${p.title} ${link.title}`,
            provisioned: true,
            queryUid: uid,
          });
        }
      }
    });

    it.each(REQUIRED_PANELS[file] ?? [])('has the panel "$title", computing what its title says', ({ title, exprs }) => {
      const panel = charts.find((p) => p.title === title);
      expect(panel).toBeDefined();
      const own = (panel?.targets ?? []).map((t) => oneLine(t.expr));
      for (const pattern of exprs) expect(own).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    });
  });

  describe('the Execution dashboard', () => {
    const execution = dashboardNamed('execution.json');
    const panels = allPanels(execution.panels);
    const byTitle = (title: string): Panel | undefined => panels.find((p) => p.title === title);

    it('links its latency, error and traffic panels to a Jaeger search of the chosen service', () => {
      for (const title of ['Latency percentiles', 'Error rate', 'Request rate by tool']) {
        const links = internalLinks(byTitle(title) ?? ({} as Panel));
        expect({ title, links }).toEqual({
          title,
          links: expect.arrayContaining([
            expect.objectContaining({ internal: expect.objectContaining({ datasourceUid: 'jaeger', query: expect.objectContaining({ queryType: 'search', service: '${job}' }) }) }),
          ]),
        });
      }
    });

    it('finds the trace of a correlation id (X-Trace-Id) by the span attribute the services set', () => {
      expect(execution.templating?.list).toContainEqual(expect.objectContaining({ name: 'correlation_id', type: 'textbox' }));
      const explore = (execution.links ?? []).find((l) => l.url?.startsWith('/explore?'));
      const panes = JSON.parse(new URL(explore?.url ?? '/explore', 'http://grafana').searchParams.get('panes') ?? '{}') as Record<
        string,
        { datasource: string; queries: { datasource: DataSourceRef; queryType: string; tags: string }[] }
      >;
      expect(Object.values(panes)).toEqual([
        expect.objectContaining({
          datasource: 'jaeger',
          queries: [expect.objectContaining({ datasource: { type: 'jaeger', uid: 'jaeger' }, queryType: 'search', tags: `${CORRELATION_ATTRIBUTE}=\${correlation_id:percentencode}` })],
        }),
      ]);
      const jaegerUi = (execution.links ?? []).find((l) => l.url?.includes(':16686/search?'));
      const tags = JSON.parse(new URL(jaegerUi?.url ?? 'http://x').searchParams.get('tags') ?? '{}') as Record<string, string>;
      expect(tags).toEqual({ [CORRELATION_ATTRIBUTE]: '${correlation_id:percentencode}' });
    });
  });
});
