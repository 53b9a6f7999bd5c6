/**
 * Prometheus in the local mesh. One mesh runs with the real `prometheus` binary (Debian package
 * `prometheus`), its own redis-server and a fresh PostgreSQL database; its Prometheus must scrape
 * every local target under the job names of monitoring/prometheus/prometheus.yml and run the
 * repository's rule files. Without the binary the plan says so instead of starting it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { DEFAULT_PORTS, findOnPath, freePort, freePorts, planPrometheus, startMesh, waitFor } from '../src';
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

describe('startMesh with Prometheus', () => {
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
  });

  it('scrapes every local target under the job names of monitoring/prometheus/prometheus.yml, all up', async () => {
    const p = (mesh as Mesh).ports;
    const targets = await last(
      'every target up',
      async () => (await api<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets,
      (ts) => ts.length === COMPOSE_JOBS.length && ts.every((t) => t.health === 'up'),
    );
    const seen = targets
      .map((t) => ({ job: t.labels.job, track: t.labels.track, scrapeUrl: t.scrapeUrl, health: t.health, lastError: t.lastError }))
      .sort((a, b) => String(a.job).localeCompare(String(b.job)));
    // Every target on the stable track, as compose's non-canary ones: the rules keep `track`.
    const expected = [
      { job: 'ai-pipeline', port: p.pipelineMetrics },
      { job: 'automation-service', port: p.automationMetrics },
      { job: 'kong', port: p.gatewayStatus },
      { job: 'prometheus', port: p.prometheus },
      { job: 'queue-worker', port: p.workerMetrics },
    ].map(({ job, port }) => ({ job, track: 'stable', scrapeUrl: `http://127.0.0.1:${port}/metrics`, health: 'up', lastError: '' }));
    expect(expected.map((t) => t.job)).toEqual(COMPOSE_JOBS);
    expect(seen).toEqual(expected);

    const up = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>('/api/v1/query?query=up');
    expect(up.result.map((r) => [r.metric.job, r.value[1]]).sort()).toEqual(COMPOSE_JOBS.map((job) => [job, '1']));
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

  it('stops it with the mesh', async () => {
    const m = mesh as Mesh;
    mesh = undefined;
    await m.stop();
    expect(m.prometheus.process?.running).toBe(false);
    await expect(fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 60_000);
});
