import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { ERROR_CODES } from '../../services/kit/src/errors';
import type { ComposeFile } from './compose-config';
import { containerPort, loadResolvedCompose, startedServices } from './compose-config';
import { isKnownMetric } from './design-metrics';
import { parsePromql } from './promql';
import { REPO_ROOT, runTool } from './run-tool';

const PROMTOOL = { debianPackage: 'prometheus' };
const PROM_DIR = path.join(REPO_ROOT, 'monitoring/prometheus');
const CONFIG = path.join(PROM_DIR, 'prometheus.yml');
const RUNBOOK = path.join(REPO_ROOT, 'docs/RUNBOOK.md');
const RUNBOOK_URL = 'https://github.com/opsconductor/opsconductor/blob/main/docs/RUNBOOK.md#';

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  /** Service discovery by DNS: every address a compose service name resolves to (its replicas). */
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
  relabel_configs?: RelabelConfig[];
}

interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface AlertCase {
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string> }[];
}

interface RuleTestFile {
  tests: { alert_rule_test?: AlertCase[] }[];
}

/**
 * The recording rules dashboards are promised (issue 6): SLO inputs per job and track, and the
 * queue's rates. Renaming one breaks a dashboard.
 */
const RECORDED = [
  'job:ai_requests:rate5m',
  'job:ai_request_errors:rate5m',
  ...['5m', '30m', '1h', '6h', '1d', '3d'].map((w) => `job:ai_request_error_ratio:rate${w}`),
  ...['p50', 'p95', 'p99'].map((q) => `job:ai_request_duration_seconds:${q}_5m`),
  'ai_queue:enqueue:rate5m',
  'ai_queue:dequeue:rate5m',
];

/** Recorded for the dashboards only: no alert or rule reads them (grafana.test.ts sees the dashboards). */
const FOR_DASHBOARDS = [
  'job:ai_request_error_ratio:rate1d',
  'job:ai_request_duration_seconds:p50_5m',
  'job:ai_request_duration_seconds:p99_5m',
  'ai_queue:enqueue:rate5m',
];

/**
 * The envelope codes that are our failures: the 5xx of the kit's one registry of codes. The SLO
 * and the error alerts count these alone; the caller's 4xx and CLIENT_CLOSED never page.
 */
const SERVER_CODES = Object.entries(ERROR_CODES)
  .filter(([, status]) => status >= 500)
  .map(([code]) => code)
  .sort();

function yamlFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));
}

const config = parse(readFileSync(CONFIG, 'utf8')) as PrometheusConfig;
const ruleFiles = yamlFiles(path.join(PROM_DIR, 'rules'), '.yml');
const ruleTestFiles = yamlFiles(path.join(PROM_DIR, 'tests'), '.test.yml');
const rules: Rule[] = ruleFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
const alerts = rules.filter((r) => r.alert);
const records = rules.filter((r) => r.record);
const recordedNames = new Set(records.map((r) => r.record!));
/** An alert name with the static labels that tell its rules apart (AIErrorBudgetBurn has three). */
const alertTitle = (a: Rule) => [a.alert, ...Object.entries(a.labels ?? {}).filter(([k]) => k !== 'severity').map(([k, v]) => `${k}=${v}`)].join(' ');

describe('monitoring/prometheus', () => {
  describe('promtool', () => {
    it('accepts prometheus.yml and every rule file it loads', async () => {
      const result = await runTool('promtool', ['check', 'config', CONFIG], PROMTOOL);
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
      // check config reports each rule file it found: all of them must have been loaded.
      for (const file of ruleFiles) expect(result.stdout).toContain(path.basename(file));
    });

    it('passes the rule unit tests', async () => {
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
        'ai-pipeline': ['ai-pipeline-canary:9092', 'ai-pipeline:9092'],
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

    it('gives every target a track, canary only for the canary pair', () => {
      const tracks = Object.fromEntries(config.scrape_configs.flatMap((job) => targetsOf(job).map((t) => [t, trackOf(job, t)])));
      expect(tracks).toEqual({
        'automation-service:9091': 'stable',
        'automation-service-canary:9091': 'canary',
        'ai-pipeline:9092': 'stable',
        'ai-pipeline-canary:9092': 'canary',
        'queue-worker:9093': 'stable',
        'kong:8100': 'stable',
        'localhost:9090': 'stable',
      });
    });
  });

  describe('the canary profile', () => {
    let compose: ComposeFile;

    beforeAll(async () => {
      compose = await loadResolvedCompose();
    });

    /** Services only `--profile canary` starts: their names resolve only then. */
    const profileOnly = () => startedServices(compose, ['canary']).filter((name) => !startedServices(compose).includes(name));

    it('discovers the services only the profile starts by DNS (A records), never as static targets', () => {
      expect(profileOnly()).toEqual(['ai-pipeline-canary', 'automation-service-canary']);
      const discovered = config.scrape_configs.flatMap((job) => (job.dns_sd_configs ?? []).filter((d) => d.type === 'A').flatMap((d) => d.names));
      const listed = config.scrape_configs.flatMap((job) => (job.static_configs ?? []).flatMap((s) => s.targets.map((t) => t.split(':')[0])));
      for (const name of profileOnly()) {
        expect({ name, discovered: discovered.includes(name), listed: listed.includes(name) }).toEqual({ name, discovered: true, listed: false });
      }
    });

    it('lists the stable twins statically with track stable, in the same job as their canary', () => {
      const stableOf = { 'automation-service': 'automation-service-canary', 'ai-pipeline': 'ai-pipeline-canary' };
      for (const [stable, canary] of Object.entries(stableOf)) {
        const job = config.scrape_configs.find((c) => c.job_name === stable)!;
        expect((job.static_configs ?? []).map((s) => ({ targets: s.targets.map((t) => t.split(':')[0]), track: s.labels?.track }))).toEqual([{ targets: [stable], track: 'stable' }]);
        expect((job.dns_sd_configs ?? []).flatMap((d) => d.names)).toEqual([canary]);
      }
    });

    it('tags by the discovered name: a stable name in the canary job\'s DNS discovery would stay untracked, not canary', () => {
      // The relabel step keys on __meta_dns_name, so it is the canary name, not the discovery, that makes a target canary.
      const job = config.scrape_configs.find((c) => c.job_name === 'automation-service')!;
      const misnamed: ScrapeConfig = { ...job, static_configs: [], dns_sd_configs: [{ names: ['automation-service'], type: 'A', port: 9091 }] };
      expect(trackOf(misnamed, 'automation-service:9091')).toBeUndefined();
    });
  });

  describe('recording rules', () => {
    it('record the names dashboards are promised, each once', () => {
      expect(records.map((r) => r.record).sort()).toEqual([...RECORDED].sort());
    });

    it('are each read by an alert or another rule, or listed as for the dashboards', () => {
      const read = new Set(rules.flatMap((r) => parsePromql(r.expr).metrics));
      expect(records.map((r) => r.record!).filter((name) => !read.has(name)).sort()).toEqual([...FOR_DASHBOARDS].sort());
    });
  });

  describe('error counts', () => {
    const ruleName = (r: Rule) => (r.alert ? alertTitle(r) : r.record!);

    it('read ai_request_errors_total only through an allowlist of the server-side codes', () => {
      const reads = rules.flatMap((r) => selectorsOf(r.expr, 'ai_request_errors_total').map((matchers) => ({ rule: ruleName(r), matchers })));
      // The SLO's recording rules do read it: the check below is not vacuous.
      expect(reads.length).toBeGreaterThan(0);
      for (const { rule, matchers } of reads) {
        const errorType = matchers.filter((m) => m.name === 'error_type').map((m) => ({ op: m.op, codes: m.value.split('|').sort() }));
        expect({ rule, errorType }).toEqual({ rule, errorType: [{ op: '=~', codes: SERVER_CODES }] });
      }
    });

    it('never count failures from ai_requests_total{status="error"}, which holds the caller\'s mistakes too', () => {
      const reads = rules.flatMap((r) => selectorsOf(r.expr, 'ai_requests_total').map((matchers) => ({ rule: ruleName(r), matchers })));
      expect(reads.length).toBeGreaterThan(0);
      for (const { rule, matchers } of reads) expect({ rule, status: matchers.filter((m) => m.name === 'status') }).toEqual({ rule, status: [] });
    });
  });

  describe('alert rules', () => {
    it('cover execution, the jobs API, the queue, the error budget, the circuit breakers and the targets', () => {
      expect([...new Set(alerts.map((a) => a.alert))].sort()).toEqual([
        'AIErrorBudgetBurn',
        'AIExecutionHighErrorRate',
        'AIExecutionHighLatencyP95',
        'AIJobProcessingStalled',
        'AIJobsAPIErrorRateHigh',
        'AIQueueDeadLetterGrowth',
        'AIQueueDepthHigh',
        'AIQueueNoWorkers',
        'AIQueueWaitHigh',
        'CircuitBreakerOpen',
        'ServiceDown',
      ]);
    });

    it('burn the error budget on the SRE workbook\'s three window pairs', () => {
      const burn = alerts.filter((a) => a.alert === 'AIErrorBudgetBurn').map((a) => a.labels);
      expect(burn).toEqual([
        { severity: 'critical', long_window: '1h', short_window: '5m' },
        { severity: 'critical', long_window: '6h', short_window: '30m' },
        { severity: 'warning', long_window: '3d', short_window: '6h' },
      ]);
    });

    it.each(alerts.map((a) => [alertTitle(a), a] as const))('%s waits with for:, has a severity and says what broke', (_name, alert) => {
      expect(alert.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
    });

    it.each(alerts.map((a) => [alertTitle(a), a] as const))('%s links its own section of docs/RUNBOOK.md', (_name, alert) => {
      const anchors = markdownAnchors(readFileSync(RUNBOOK, 'utf8'));
      const url = alert.annotations?.runbook_url ?? '';
      expect(url.startsWith(RUNBOOK_URL)).toBe(true);
      const anchor = url.slice(RUNBOOK_URL.length);
      expect({ anchor, exists: anchors.includes(anchor) }).toEqual({ anchor: alert.alert!.toLowerCase(), exists: true });
    });

    it.each(rules.map((r) => [r.alert ? alertTitle(r) : r.record!, r] as const))('%s queries only exported series or recorded ones', (_name, rule) => {
      const { metrics, errors } = parsePromql(rule.expr);
      expect(errors).toEqual([]);
      expect(metrics.length).toBeGreaterThan(0);
      expect(metrics.filter((m) => !isKnownMetric(m) && !recordedNames.has(m))).toEqual([]);
    });

    it('are each unit-tested both firing and staying silent', () => {
      const cases = ruleTestFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as RuleTestFile).tests.flatMap((t) => t.alert_rule_test ?? []));
      for (const alert of alerts) {
        const own = cases.filter((c) => c.alertname === alert.alert);
        // A rule fires in a case whose expected alert carries all of the rule's static labels.
        const fires = own.some((c) => (c.exp_alerts ?? []).some((e) => Object.entries(alert.labels ?? {}).every(([k, v]) => e.exp_labels?.[k] === v)));
        const silent = own.some((c) => (c.exp_alerts ?? []).length === 0);
        expect({ alert: alertTitle(alert), fires, silent }).toEqual({ alert: alertTitle(alert), fires: true, silent: true });
      }
    });
  });
});

interface LabelMatcher {
  name: string;
  op: string;
  value: string;
}

/** The label matchers of every selector of `metric` in a PromQL expression, parsed by Prometheus' grammar. */
function selectorsOf(expr: string, metric: string): LabelMatcher[][] {
  const found: LabelMatcher[][] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const name = node.getChild('Identifier');
      if (!name || expr.slice(name.from, name.to) !== metric) return;
      const matchers = node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [];
      found.push(
        matchers.map((m) => {
          const text = (child: string) => {
            const c = m.getChild(child);
            return c ? expr.slice(c.from, c.to) : '';
          };
          return { name: text('LabelName'), op: text('MatchOp'), value: text('StringLiteral').slice(1, -1) };
        }),
      );
    },
  });
  return found;
}

/** `host:port` of each static target and of each name a DNS discovery resolves. */
function targetsOf(job: ScrapeConfig): string[] {
  return [
    ...(job.static_configs ?? []).flatMap((s) => s.targets),
    ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((name) => `${name}:${d.port}`)),
  ];
}

/**
 * The `track` a target ends up with: its labels before relabelling (a static config's labels, or
 * the __meta_dns_name of the name DNS discovery resolved), run through the job's relabel steps.
 */
function trackOf(job: ScrapeConfig, target: string): string | undefined {
  const fromStatic = (job.static_configs ?? []).find((s) => s.targets.includes(target));
  const fromDns = (job.dns_sd_configs ?? []).find((d) => d.names.some((name) => `${name}:${d.port}` === target));
  const labels: Record<string, string> = fromStatic ? { ...fromStatic.labels } : fromDns ? { __meta_dns_name: target.split(':')[0]! } : {};
  for (const step of job.relabel_configs ?? []) relabel(labels, step);
  return labels.track;
}

/**
 * Prometheus' `replace` action, the only one prometheus.yml uses (any other fails the test): the
 * source labels' values joined by the separator, matched by the fully anchored regex, set the
 * target label to the replacement with $1-style groups expanded; an empty result drops the label.
 */
function relabel(labels: Record<string, string>, step: RelabelConfig): void {
  const action = step.action ?? 'replace';
  if (action !== 'replace') throw new Error(`relabel action ${action} is not modelled here`);
  const value = (step.source_labels ?? []).map((name) => labels[name] ?? '').join(step.separator ?? ';');
  const match = new RegExp(`^(?:${step.regex ?? '(.*)'})$`).exec(value);
  if (!match || !step.target_label) return;
  const result = (step.replacement ?? '$1').replace(/\$\{?(\w+)\}?/g, (_all, group: string) => match[Number(group)] ?? '');
  if (result === '') delete labels[step.target_label];
  else labels[step.target_label] = result;
}

/**
 * The anchors GitHub gives a Markdown file's headings: lower case, punctuation other than `-`
 * and `_` dropped, spaces turned into `-`, a repeated anchor suffixed -1, -2... Fenced code
 * blocks hold no headings (a shell comment is not one).
 */
function markdownAnchors(markdown: string): string[] {
  const anchors: string[] = [];
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.push(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}
