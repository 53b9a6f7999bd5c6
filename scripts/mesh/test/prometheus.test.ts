/**
 * Prometheus in the local mesh. One mesh runs with the real `prometheus` binary (Debian package
 * `prometheus`), its own redis-server, a fresh PostgreSQL database and the canary pair; its
 * Prometheus must scrape every local target under the job names of
 * monitoring/prometheus/prometheus.yml (the canary's as `track="canary"` targets of the same
 * jobs) and run the repository's rule files. Without the binary the plan says so instead of
 * starting it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { DEFAULT_PORTS, LOCAL_SCRAPE_INTERVAL, findOnPath, freePort, freePorts, planPrometheus, renderPrometheusConfig, startMesh, waitFor } from '../src';
import type { Mesh } from '../src';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PROMETHEUS_DIR = path.join(ROOT, 'monitoring', 'prometheus');

/** The job names compose's Prometheus uses, which the rules and dashboards are written against. */
const COMPOSE_JOBS: string[] = (
  parse(readFileSync(path.join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ job_name: string }> }
).scrape_configs
  .map((c) => c.job_name)
  .sort();

/** Every rule group of monitoring/prometheus/rules/*.yml, as "file: group". */
function repositoryRuleGroups(): string[] {
  const dir = path.join(PROMETHEUS_DIR, 'rules');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => ((parse(readFileSync(path.join(dir, f), 'utf8')) as { groups?: Array<{ name: string }> }).groups ?? []).map((g) => `${f}: ${g.name}`))
    .sort();
}

describe('planPrometheus without the binary', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mesh-prom-plan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (mode: 'off' | 'if-installed' | 'required') =>
    planPrometheus({ mode, root: ROOT, dataDir: path.join(dir, 'data'), ports: DEFAULT_PORTS, searchPath: path.join(dir, 'empty-bin') });

  it('runs the mesh without it, with a one-line notice saying how to install it', () => {
    const result = plan('if-installed');
    expect(result).toEqual({ run: false, reason: 'not-installed', notice: expect.stringContaining('`prometheus` is not on PATH') });
    expect(result.run ? '' : result.notice).toContain('apt-get install prometheus');
    expect(result.run ? '' : result.notice).not.toContain('\n');
  });

  it('fails when a caller requires it', () => {
    expect(() => plan('required')).toThrow(/^Prometheus not started: `prometheus` is not on PATH \(Debian/);
  });

  it('is not looked for when turned off', () => {
    expect(plan('off')).toEqual({ run: false, reason: 'off', notice: 'not started (turned off)' });
  });

  it('finds the first executable `prometheus` on PATH, like `which`', () => {
    const [notExecutable, executable] = [path.join(dir, 'a'), path.join(dir, 'b')];
    for (const d of [notExecutable, executable]) {
      mkdirSync(d);
      writeFileSync(path.join(d, 'prometheus'), '#!/bin/sh\n');
    }
    chmodSync(path.join(executable, 'prometheus'), 0o755);
    expect(findOnPath('prometheus', [path.join(dir, 'missing'), notExecutable, executable].join(path.delimiter))).toBe(path.join(executable, 'prometheus'));
    expect(findOnPath('prometheus', notExecutable)).toBeUndefined();
  });
});

/** `promtool check config` of a rendered config (rule files included): its exit code and output. */
function promtoolCheckConfig(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile('promtool', ['check', 'config', file], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('renderPrometheusConfig', () => {
  const rulesGlob = path.join(PROMETHEUS_DIR, 'rules', '*.yml');
  type Rendered = { global: Record<string, string>; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels: Record<string, string> }> }> };
  const targetsOf = (yaml: string) =>
    Object.fromEntries(
      (parse(yaml) as Rendered).scrape_configs.map((c) => [c.job_name, c.static_configs.map((s) => `${s.targets.join(',')} ${s.labels.track}`)]),
    );

  it('adds the canary pair to the stable jobs as track="canary" targets, and only when it runs', () => {
    const p = DEFAULT_PORTS;
    expect(targetsOf(renderPrometheusConfig(p, rulesGlob, { canary: true }))).toEqual({
      'automation-service': [`127.0.0.1:${p.automationMetrics} stable`, `127.0.0.1:${p.canaryAutomationMetrics} canary`],
      'ai-pipeline': [`127.0.0.1:${p.pipelineMetrics} stable`, `127.0.0.1:${p.canaryPipelineMetrics} canary`],
      'queue-worker': [`127.0.0.1:${p.workerMetrics} stable`],
      kong: [`127.0.0.1:${p.gatewayStatus} stable`],
      prometheus: [`127.0.0.1:${p.prometheus} stable`],
    });
    const stableOnly = targetsOf(renderPrometheusConfig(p, rulesGlob));
    expect(Object.values(stableOnly).flat().every((t) => t.endsWith(' stable'))).toBe(true);
    expect(Object.keys(stableOnly).sort()).toEqual(COMPOSE_JOBS);
  });

  it('scrapes every LOCAL_SCRAPE_INTERVAL unless given another interval, and refuses one that is no duration', () => {
    expect((parse(renderPrometheusConfig(DEFAULT_PORTS, rulesGlob)) as Rendered).global).toEqual({
      scrape_interval: LOCAL_SCRAPE_INTERVAL,
      evaluation_interval: LOCAL_SCRAPE_INTERVAL,
    });
    expect((parse(renderPrometheusConfig(DEFAULT_PORTS, rulesGlob, { scrapeInterval: '1s' })) as Rendered).global).toEqual({
      scrape_interval: '1s',
      evaluation_interval: '1s',
    });
    expect(() => renderPrometheusConfig(DEFAULT_PORTS, rulesGlob, { scrapeInterval: '1 second' })).toThrow('Prometheus scrape interval "1 second"');
  });

  it('passes promtool check config, with the canary and without', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesh-prom-render-'));
    try {
      for (const canary of [false, true]) {
        const file = path.join(dir, `prometheus-${canary}.yml`);
        writeFileSync(file, renderPrometheusConfig(DEFAULT_PORTS, rulesGlob, { canary, scrapeInterval: '1s' }));
        const result = await promtoolCheckConfig(file);
        expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: string;
  lastError: string;
}
interface RuleGroup {
  name: string;
  file: string;
  rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }>;
}

describe('startMesh with Prometheus and the canary pair', () => {
  let dataDir: string;
  let database: TestDatabase;
  let mesh: Mesh | undefined;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mesh-prom-'));
    database = await freshPostgres();
    mesh = await startMesh({
      ports: await freePorts(),
      dataDir,
      // Its own redis-server (data under dataDir): nothing shared to clean up afterwards.
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      databaseUrl: database.url,
      devKey: false,
      prometheus: 'required',
      // Scrapes every second, so the canary's series show up within a test's patience.
      prometheusScrapeInterval: '1s',
      canary: true,
    });
    url = mesh.urls.prometheus ?? '';
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function api<T>(query: string): Promise<T> {
    const res = await fetch(`${url}${query}`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
    return body.data;
  }

  /** Polls until `done` holds for what `read` returns (or the deadline passes), then returns the last value. */
  async function last<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    let value = await read();
    await waitFor(what, async () => done((value = await read())), { timeoutMs: 20_000 }).catch(() => undefined);
    return value;
  }

  it('runs it on the port chosen, on the exemplar storage, with its data under the mesh data directory', async () => {
    const m = mesh as Mesh;
    expect(url).toBe(`http://127.0.0.1:${m.ports.prometheus}`);
    expect(m.prometheus).toMatchObject({ url, notice: undefined, storageDir: path.join(dataDir, 'prometheus', 'data') });
    const flags = await api<Record<string, string>>('/api/v1/status/flags');
    expect(flags['enable-feature']?.split(',')).toContain('exemplar-storage');
    expect(flags['storage.tsdb.path']).toBe(path.join(dataDir, 'prometheus', 'data'));
    const { yaml } = await api<{ yaml: string }>('/api/v1/status/config');
    expect((parse(yaml) as { global: Record<string, string> }).global).toMatchObject({ scrape_interval: '1s', evaluation_interval: '1s' });
  });

  it('scrapes every local target under the job names of monitoring/prometheus/prometheus.yml, the canary pair as track="canary", all up', async () => {
    const p = (mesh as Mesh).ports;
    const expected = [
      { job: 'ai-pipeline', track: 'canary', port: p.canaryPipelineMetrics },
      { job: 'ai-pipeline', track: 'stable', port: p.pipelineMetrics },
      { job: 'automation-service', track: 'canary', port: p.canaryAutomationMetrics },
      { job: 'automation-service', track: 'stable', port: p.automationMetrics },
      { job: 'kong', track: 'stable', port: p.gatewayStatus },
      { job: 'prometheus', track: 'stable', port: p.prometheus },
      { job: 'queue-worker', track: 'stable', port: p.workerMetrics },
    ].map(({ job, track, port }) => ({ job, track, scrapeUrl: `http://127.0.0.1:${port}/metrics`, health: 'up', lastError: '' }));
    const targets = await last(
      'every target up',
      async () => (await api<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets,
      (ts) => ts.length === expected.length && ts.every((t) => t.health === 'up'),
    );
    const seen = targets
      .map((t) => ({ job: t.labels.job, track: t.labels.track, scrapeUrl: t.scrapeUrl, health: t.health, lastError: t.lastError }))
      .sort((a, b) => `${a.job} ${a.track}`.localeCompare(`${b.job} ${b.track}`));
    expect([...new Set(expected.map((t) => t.job))]).toEqual(COMPOSE_JOBS);
    expect(seen).toEqual(expected);

    const up = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>('/api/v1/query?query=up');
    expect(up.result.map((r) => [r.metric.job, r.metric.track, r.value[1]]).sort()).toEqual(expected.map((t) => [t.job, t.track, '1']).sort());
  });

  it('stores every service series with its version: `canary` on the canary track, `stable` on the stable one', async () => {
    const query = encodeURIComponent('count by (job, track, version) (process_start_time_seconds{job=~"automation-service|ai-pipeline|queue-worker"})');
    type Result = Array<{ metric: Record<string, string> }>;
    const series = await last(
      'the version of every service series',
      async () => (await api<{ result: Result }>(`/api/v1/query?query=${query}`)).result.map((r) => `${r.metric.job} ${r.metric.track} ${r.metric.version}`).sort(),
      (rows) => rows.length === 5,
    );
    expect(series).toEqual([
      'ai-pipeline canary canary',
      'ai-pipeline stable stable',
      'automation-service canary canary',
      'automation-service stable stable',
      'queue-worker stable stable',
    ]);
  });

  it('loads every rule group of monitoring/prometheus/rules and evaluates each rule without error', async () => {
    const expected = repositoryRuleGroups();
    expect(expected.length).toBeGreaterThan(0);
    const groups = await last(
      'every rule evaluated',
      async () => (await api<{ groups: RuleGroup[] }>('/api/v1/rules')).groups,
      (gs) => gs.length > 0 && gs.every((g) => g.rules.every((r) => !r.lastEvaluation.startsWith('0001-'))),
    );
    expect(groups.map((g) => `${path.relative(path.join(PROMETHEUS_DIR, 'rules'), g.file)}: ${g.name}`).sort()).toEqual(expected);
    const unhealthy = groups.flatMap((g) => g.rules.filter((r) => r.health !== 'ok').map((r) => `${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`));
    expect(unhealthy).toEqual([]);
  });

  it('runs the canary pair beside the stable one, each answering with its version', async () => {
    const m = mesh as Mesh;
    const { urls, ports } = m;
    expect(m.canary).toEqual({ version: 'canary' });
    expect(urls).toMatchObject({
      canaryAutomation: `http://127.0.0.1:${ports.canaryAutomation}`,
      canaryAutomationMetrics: `http://127.0.0.1:${ports.canaryAutomationMetrics}`,
      canaryPipeline: `http://127.0.0.1:${ports.canaryPipeline}`,
      canaryPipelineMetrics: `http://127.0.0.1:${ports.canaryPipelineMetrics}`,
      gatewayAdmin: `http://127.0.0.1:${ports.gatewayAdmin}`,
    });
    const answers = [
      ['automation-service', urls.automation, 'stable'],
      ['automation-service', urls.canaryAutomation, 'canary'],
      ['ai-pipeline', urls.pipeline, 'stable'],
      ['ai-pipeline', urls.canaryPipeline, 'canary'],
    ] as const;
    for (const [service, url, version] of answers) {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      expect({ body: await res.json(), header: res.headers.get('x-opsconductor-version') }).toEqual({ body: { status: 'ok', service, version }, header: version });
    }
    for (const [url, service, version] of [
      [urls.automationMetrics, 'automation-service', 'stable'],
      [urls.canaryAutomationMetrics, 'automation-service', 'canary'],
      [urls.pipelineMetrics, 'ai-pipeline', 'stable'],
      [urls.canaryPipelineMetrics, 'ai-pipeline', 'canary'],
    ] as const) {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      expect(text).toMatch(new RegExp(`^process_start_time_seconds\\{service="${service}",version="${version}"\\} \\d+$`, 'm'));
    }
    // The canary ai-pipeline runs in the seed's canary mode, and its automation-service calls it.
    expect(m.services['ai-pipeline-canary'].spec.env).toMatchObject({ FEATURE_BYPASS_LLM: 'true', SERVICE_VERSION: 'canary' });
    expect(m.services['automation-service-canary'].spec.env).toMatchObject({ AI_PIPELINE_URL: urls.canaryPipeline, SERVICE_VERSION: 'canary' });
    expect(m.services['ai-pipeline'].spec.env).toMatchObject({ SERVICE_VERSION: 'stable' });
  });

  it("maps kong.yml's canary target to the canary automation-service, and gives the gateway its admin port", async () => {
    const m = mesh as Mesh;
    const env = m.services.gateway.spec.env;
    expect(env.GATEWAY_TARGET_OVERRIDES?.split(',')).toEqual(
      expect.arrayContaining([`automation-service:3003=127.0.0.1:${m.ports.automation}`, `automation-service-canary:3003=127.0.0.1:${m.ports.canaryAutomation}`]),
    );
    expect(env.ADMIN_PORT).toBe(String(m.ports.gatewayAdmin));
    // The gateway itself resolved it so.
    const text = await (await fetch(`${m.urls.gatewayStatus}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    expect(text).toMatch(new RegExp(`^kong_upstream_target_health\\{upstream="automation-service-upstream",target="automation-service-canary:3003",address="127\\.0\\.0\\.1:${m.ports.canaryAutomation}"`, 'm'));
  });

  it('stops and starts a canary service on its own: the canary automation-service depends on the canary ai-pipeline only', async () => {
    const m = mesh as Mesh;
    const ready = async (url: string | undefined) => (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) })).status;
    await m.stopService('ai-pipeline-canary');
    expect(m.services['ai-pipeline-canary'].running).toBe(false);
    await waitFor('the canary automation-service to say it is not ready', async () => (await ready(m.urls.canaryAutomation)) === 503, { timeoutMs: 10_000 });
    expect(await ready(m.urls.automation)).toBe(200);
    await m.startService('ai-pipeline-canary');
    await waitFor('the canary automation-service to be ready again', async () => (await ready(m.urls.canaryAutomation)) === 200, { timeoutMs: 10_000 });
  }, 60_000);

  it('stops it with the mesh, the canary pair too', async () => {
    const m = mesh as Mesh;
    mesh = undefined;
    await m.stop();
    expect(m.prometheus.process?.running).toBe(false);
    expect(m.services['ai-pipeline-canary'].running).toBe(false);
    expect(m.services['automation-service-canary'].running).toBe(false);
    await expect(fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 60_000);
});
