import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ComposeFile } from './compose-config';
import { containerPort, loadResolvedCompose } from './compose-config';
import { isDesignMetric } from './design-metrics';
import { parsePromql } from './promql';
import { REPO_ROOT, runTool } from './run-tool';

const PROMTOOL = { debianPackage: 'prometheus' };
const PROM_DIR = path.join(REPO_ROOT, 'monitoring/prometheus');
const CONFIG = path.join(PROM_DIR, 'prometheus.yml');

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  /** Service discovery by DNS: every address a compose service name resolves to (its replicas). */
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
}

interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

function yamlFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));
}

const config = parse(readFileSync(CONFIG, 'utf8')) as PrometheusConfig;
const ruleFiles = yamlFiles(path.join(PROM_DIR, 'rules'), '.yml');
const ruleTestFiles = yamlFiles(path.join(PROM_DIR, 'tests'), '.test.yml');
const alerts: AlertRule[] = ruleFiles.flatMap(
  (f) => (parse(readFileSync(f, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert),
);

describe('monitoring/prometheus', () => {
  describe('promtool', () => {
    it('accepts prometheus.yml and every rule file it loads', async () => {
      const result = await runTool('promtool', ['check', 'config', CONFIG], PROMTOOL);
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
      // check config reports each rule file it found: all of them must have been loaded.
      for (const file of ruleFiles) expect(result.stdout).toContain(path.basename(file));
    });

    it('passes the alert rule unit tests', async () => {
      expect(ruleTestFiles.length).toBeGreaterThan(0);
      const result = await runTool('promtool', ['test', 'rules', ...ruleTestFiles], PROMTOOL);
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
    });
  });

  describe('scrape config', () => {
    let compose: ComposeFile;

    beforeAll(async () => {
      compose = await loadResolvedCompose();
    });

    it('scrapes every 15s and evaluates rules as often', () => {
      expect(config.global).toMatchObject({ scrape_interval: '15s', evaluation_interval: '15s' });
      expect(config.rule_files).toEqual(['rules/*.yml']);
    });

    it('scrapes each service on its metrics port of DESIGN.md', () => {
      const targets = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, targetsOf(c).sort()]));
      expect(targets).toEqual({
        'automation-service': ['automation-service-canary:9091', 'automation-service:9091'],
        'ai-pipeline': ['ai-pipeline:9092'],
        'queue-worker': ['queue-worker:9093'],
        kong: ['kong:8100'],
        prometheus: ['localhost:9090'],
      });
    });

    it('points every target at a compose service port that is really listened on', () => {
      for (const target of config.scrape_configs.flatMap(targetsOf)) {
        const [host, port] = target.split(':');
        if (host === 'localhost') continue;
        const service = compose.services[host!];
        expect({ target, defined: service !== undefined }).toEqual({ target, defined: true });
        const ports = [...(service!.ports ?? []).map(containerPort), ...(service!.expose ?? []).map(Number)];
        expect({ target, ports }).toEqual({ target, ports: expect.arrayContaining([Number(port)]) });
      }
    });

    it('tells the canary apart from the stable automation-service', () => {
      const job = config.scrape_configs.find((c) => c.job_name === 'automation-service')!;
      const tracks = Object.fromEntries((job.static_configs ?? []).map((s) => [s.targets[0], s.labels?.track]));
      expect(tracks).toEqual({ 'automation-service:9091': 'stable', 'automation-service-canary:9091': 'canary' });
    });
  });

  describe('alert rules', () => {
    it('define the seed\'s three SLO alerts', () => {
      expect(alerts.map((a) => a.alert).sort()).toEqual(['AIExecutionHighErrorRate', 'AIExecutionHighLatencyP95', 'ServiceDown']);
    });

    it.each(alerts.map((a) => [a.alert!, a] as const))('%s waits with for:, has a severity and says what broke', (_name, alert) => {
      expect(alert.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
    });

    it.each(alerts.map((a) => [a.alert!, a] as const))('%s queries only metrics of DESIGN.md', (_name, alert) => {
      const { metrics, errors } = parsePromql(alert.expr);
      expect(errors).toEqual([]);
      expect(metrics.length).toBeGreaterThan(0);
      // `up` is Prometheus' own per-target series.
      expect(metrics.filter((m) => m !== 'up' && !isDesignMetric(m))).toEqual([]);
    });

    it('are each unit-tested both firing and staying silent', () => {
      const cases = ruleTestFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as RuleTestFile).tests.flatMap((t) => t.alert_rule_test ?? []));
      for (const alert of alerts) {
        const own = cases.filter((c) => c.alertname === alert.alert);
        const fires = own.some((c) => (c.exp_alerts ?? []).length > 0);
        const silent = own.some((c) => (c.exp_alerts ?? []).length === 0);
        expect({ alert: alert.alert, fires, silent }).toEqual({ alert: alert.alert, fires: true, silent: true });
      }
    });
  });
});

/** `host:port` of each static target and of each name a DNS discovery resolves. */
function targetsOf(job: ScrapeConfig): string[] {
  return [
    ...(job.static_configs ?? []).flatMap((s) => s.targets),
    ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((name) => `${name}:${d.port}`)),
  ];
}
