import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ComposeFile } from './compose-config';
import { loadResolvedCompose, mount } from './compose-config';
import { isDesignMetric } from './design-metrics';
import { parsePromql } from './promql';
import { REPO_ROOT } from './run-tool';

const GRAFANA_DIR = path.join(REPO_ROOT, 'monitoring/grafana');
const DASHBOARD_DIR = path.join(GRAFANA_DIR, 'dashboards');

interface DataSourceRef {
  type?: string;
  uid?: string;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DataSourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; datasource?: DataSourceRef }[];
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating?: { list: { name: string; type: string; datasource?: DataSourceRef; query?: string | { query: string } }[] };
}

const datasources = (parse(readFileSync(path.join(GRAFANA_DIR, 'provisioning/datasources/prometheus.yml'), 'utf8')) as {
  datasources: { name: string; uid: string; type: string; url: string; isDefault?: boolean }[];
}).datasources;
const providers = (parse(readFileSync(path.join(GRAFANA_DIR, 'provisioning/dashboards/dashboards.yml'), 'utf8')) as {
  providers: { name: string; type: string; options: { path: string } }[];
}).providers;

const dashboardFiles = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'));
const dashboards = dashboardFiles.map((f) => [f, JSON.parse(readFileSync(path.join(DASHBOARD_DIR, f), 'utf8')) as Dashboard] as const);

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Metric names a template variable query reads: `label_values(metric, label)` or plain PromQL. */
function variableMetrics(query: string): { metrics: string[]; errors: number[] } {
  const labelValues = /^label_values\(\s*(?:([a-zA-Z_:][\w:]*)\s*,\s*)?[a-zA-Z_]\w*\s*\)$/.exec(query.trim());
  if (labelValues) return { metrics: labelValues[1] ? [labelValues[1]] : [], errors: [] };
  const queryResult = /^query_result\((.*)\)$/s.exec(query.trim());
  return parsePromql(queryResult ? queryResult[1]! : query);
}

describe('monitoring/grafana', () => {
  let compose: ComposeFile;

  beforeAll(async () => {
    compose = await loadResolvedCompose();
  });

  describe('provisioning', () => {
    it('provisions the compose Prometheus as the default data source under a fixed uid', () => {
      expect(datasources).toHaveLength(1);
      expect(datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true, uid: expect.any(String) });
      expect(compose.services.prometheus).toBeDefined();
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

  describe.each(dashboards)('dashboards/%s', (_file, dashboard) => {
    const panels = allPanels(dashboard.panels);
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

    it('is a dashboard with a uid, a title and a current schema', () => {
      expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
      expect(dashboard.title).toBeTruthy();
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(panels.length).toBeGreaterThan(0);
    });

    it('numbers its panels uniquely and places each on the 24-column grid', () => {
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const p of panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    });

    it('queries the provisioned data source by its uid', () => {
      const uid = datasources[0]!.uid;
      const refs = [
        ...panels.filter((p) => p.type !== 'row').map((p) => ({ where: p.title, ref: p.datasource })),
        ...targets.map((t) => ({ where: `${t.panel} ${t.refId}`, ref: t.datasource ?? { type: 'prometheus', uid } })),
        ...(dashboard.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => ({ where: `$${v.name}`, ref: v.datasource })),
      ];
      for (const { where, ref } of refs) expect({ where, ref }).toEqual({ where, ref: { type: 'prometheus', uid } });
    });

    it('writes every query in valid PromQL over metrics of DESIGN.md only', () => {
      expect(targets.length).toBeGreaterThan(0);
      const queries = [
        ...targets.map((t) => ({ where: `${t.panel} ${t.refId}`, ...parsePromql(t.expr) })),
        ...(dashboard.templating?.list ?? [])
          .filter((v) => v.type === 'query')
          .map((v) => ({ where: `$${v.name}`, ...variableMetrics(typeof v.query === 'string' ? v.query : (v.query?.query ?? '')) })),
      ];
      for (const q of queries) {
        const found = { where: q.where, errors: q.errors, unknown: q.metrics.filter((m) => !isDesignMetric(m)), anyMetric: q.metrics.length > 0 };
        expect(found).toEqual({ where: q.where, errors: [], unknown: [], anyMetric: true });
      }
    });
  });

  describe('the Execution dashboard', () => {
    const execution = dashboards.find(([file]) => file === 'execution.json')?.[1];
    const exprs = allPanels(execution?.panels ?? []).flatMap((p) => (p.targets ?? []).map((t) => t.expr.replace(/\s+/g, ' ')));

    it('shows request rate, error rate and p50/p95/p99 latency of AI requests', () => {
      expect(exprs).toEqual(expect.arrayContaining([expect.stringMatching(/^sum by \(tool\) \(rate\(ai_requests_total/)]));
      expect(exprs).toEqual(expect.arrayContaining([expect.stringMatching(/ai_request_errors_total.* \/ .*ai_requests_total/)]));
      for (const q of ['0.5', '0.95', '0.99']) {
        expect(exprs).toEqual(expect.arrayContaining([expect.stringContaining(`histogram_quantile(${q}, sum by (le) (rate(ai_request_duration_seconds_bucket`)]));
      }
    });

    it('shows HTTP requests by route and status', () => {
      expect(exprs).toEqual(expect.arrayContaining([expect.stringMatching(/by \([^)]*route, status\) \(rate\(http_requests_total/)]));
    });
  });
});
