/**
 * The canary tooling against one real mesh running the canary pair (stable and canary
 * automation-service + ai-pipeline behind the gateway stand-in's weighted targets) and the local
 * Prometheus scraping every second: scripts/release_metrics_gate.sh, scripts/canary.sh and
 * scripts/canary_rollout.sh, run as an operator runs them. A healthy canary is promoted through
 * 10/50/100 %; a canary restarted with a fault flag is caught by the gate and rolled back.
 * Suites run in order: each leaves the gateway's weights where the next expects them.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { REPO_ROOT, meshScriptEnv, runScript, summaryTable } from './release-scripts';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const LOAD_CLI = path.join(REPO_ROOT, 'bench/dist/load-cli.js');
/** Short windows for a test: Prometheus scrapes every second here. */
const WINDOW = '10s';
/** Each rollout's whole output, kept for reading after a run (CI keeps .data/artifacts). */
const ARTIFACTS = path.join(REPO_ROOT, '.data/artifacts/canary');
function keep(name: string, output: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), output);
}

let testMesh: TestMesh;
let mesh: Mesh;
let secret: string;

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'canary', prometheus: 'required', prometheusScrapeInterval: '1s', canary: true });
  mesh = testMesh.mesh;
  secret = (await testMesh.keyFor('ws-canary', 'release')).authorization.replace(/^Bearer /, '');
  await waitFor(
    'Prometheus to scrape the canary automation-service',
    async () => {
      const res = await fetch(`${mesh.urls.prometheus}/api/v1/query?query=${encodeURIComponent('up{job="automation-service",track="canary"}')}`);
      const json = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      return json.data?.result?.[0]?.value[1] === '1';
    },
    { timeoutMs: 30_000 },
  );
}, 180_000);

afterAll(async () => {
  await testMesh?.stop();
}, 60_000);

const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...meshScriptEnv(mesh), OPSCONDUCTOR_API_KEY: secret, ...extra });
const script = (name: string, args: string[], timeoutMs = 60_000) => runScript(name, args, env(), timeoutMs);

interface LoadSummary {
  requests: number;
  statuses: Record<string, number>;
  versions: Record<string, number>;
}

/** The rollout's own load tool: `rate` pings a second through the gateway for `seconds`. */
function load(seconds: number, rate: number): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD_CLI, '--url', `${mesh.urls.gateway}/ai/execute`, '--duration', String(seconds), '--rate', String(rate)], {
      env: { ...process.env, LOAD_API_KEY: secret },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadSummary) : reject(new Error(`load-cli exit ${code}: ${err}`))));
  });
}

/** The version that answered each of `n` pings through the gateway, counted. */
async function split(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${mesh.urls.gateway}/ai/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'ping', tool: 'echo' }),
    });
    expect(res.status).toBe(200);
    const version = res.headers.get('x-opsconductor-version') ?? 'none';
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return counts;
}

/** The "canary share X % (weight W %)" lines the rollout prints from its load, in order. */
function sharesSeen(stdout: string): Array<{ share: number; weight: number }> {
  return [...stdout.matchAll(/canary share ([\d.]+) % \(weight (\d+) %\)/g)].map((m) => ({ share: Number(m[1]), weight: Number(m[2]) }));
}

describe('scripts/canary.sh', () => {
  it('reports the weights the gateway runs, and each version', async () => {
    const run = await script('canary.sh', ['status', 'local']);
    expect(run.stdout).toContain('stable 100 % / canary 0 %');
    expect(run.stdout).toContain('stable version: stable');
    expect(run.stdout).toContain('canary version: canary');
    expect(run.code).toBe(0);
  });

  it('moves the traffic: 50 % splits the gateway\'s answers evenly, rollback sends all to stable', async () => {
    const step = await script('canary.sh', ['step', '50', 'local']);
    expect(step.stdout).toMatch(/^applied: stable 50 %, canary 50 % \(confirmed by GET \/upstreams\/automation-service-upstream\/targets, \d+ ms\)$/m);
    expect(step.code).toBe(0);
    expect(await split(20)).toEqual({ stable: 10, canary: 10 });

    const back = await script('canary.sh', ['rollback', 'local']);
    expect(back.stdout).toMatch(/^applied: stable 100 %, canary 0 %/m);
    expect(back.code).toBe(0);
    expect(await split(10)).toEqual({ stable: 10 });
  });

  it('refuses a weight outside 0-100 and an unknown command with exit 2, changing nothing', async () => {
    const bad = await script('canary.sh', ['step', '120', 'local']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the canary weight must be a whole percentage, 0 to 100');
    const unknown = await script('canary.sh', ['shift', 'local']);
    expect(unknown.code).toBe(2);
    expect((await script('canary.sh', ['status', 'local'])).stdout).toContain('stable 100 % / canary 0 %');
  });
});

describe('scripts/release_smoke.sh --target canary', () => {
  it('checks the canary pair on its own addresses, every check PASS', async () => {
    const run = await script('release_smoke.sh', ['--target', 'canary', 'local']);
    expect(run.stdout).toMatch(/^SMOKE PASSED \(local\): 13 checks$/m);
    expect(run.stdout).toContain(`GET ${mesh.urls.canaryAutomation}/health 200`);
    expect(run.code).toBe(0);
  });
});

describe('scripts/release_metrics_gate.sh', () => {
  it('passes under normal load, printing each check', async () => {
    await load(4, 20);
    const run = await script('release_metrics_gate.sh', ['--window', WINDOW, '--interval', '1', 'local', '0.02']);
    expect(run.stdout).toMatch(/^METRICS GATE PASSED \(local\): 4 checks$/m);
    expect(summaryTable(run.stdout)).toEqual({ traffic: 'PASS', 'error-ratio': 'PASS', 'latency-p95': 'PASS', 'latency-p99': 'PASS' });
    // Two checks (0.02 min = 1.2 s, one every second), each printed as it runs.
    expect(run.stdout.match(/^check \d\/2 at/gm)).toHaveLength(2);
    expect(run.code).toBe(0);
  });

  it('fails when there is no traffic at all: no data is not a pass', async () => {
    const run = await script('release_metrics_gate.sh', ['--job', 'no-such-job', '--window', WINDOW, 'local', '0']);
    expect(run.code).toBe(1);
    expect(summaryTable(run.stdout)).toMatchObject({ traffic: 'FAIL' });
    expect(run.stdout).toMatch(/^METRICS GATE FAILED \(local\): traffic$/m);
  });

  it('fails a threshold set below what the mesh does (p95 under a microsecond)', async () => {
    await load(3, 20);
    const run = await script('release_metrics_gate.sh', ['--window', WINDOW, '--max-p95', '0.000001', 'local', '0']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^METRICS GATE FAILED \(local\): latency-p95$/m);
  });

  it('exits 2 on bad options and without a Prometheus', async () => {
    expect((await script('release_metrics_gate.sh', ['--window', 'soon', 'local'])).code).toBe(2);
    expect((await script('release_metrics_gate.sh', ['local', 'five'])).code).toBe(2);
    const none = await runScript('release_metrics_gate.sh', ['local', '0'], env({ OPSCONDUCTOR_PROMETHEUS_URL: '' }));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('the gate cannot judge without metrics');
  });
});

describe('scripts/canary_rollout.sh', () => {
  const FAST = ['--checks', '2', '--interval', '4', '--window', WINDOW, '--max-failures', '2', '--rate', '20'];

  it('refuses a bad threshold with exit 2 before any traffic moves', async () => {
    const run = await script('canary_rollout.sh', ['--max-p95', '1s', 'local']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--max-p95 must be a number (got '1s')");
    expect(run.stdout).toBe('');
    expect((await script('canary.sh', ['status', 'local'])).stdout).toContain('stable 100 % / canary 0 %');
  });

  it('promotes a healthy canary through 10/50/100 %, the split at each step matching its weight', async () => {
    const run = await script('canary_rollout.sh', [...FAST, 'local'], 180_000);
    keep('rollout-healthy.log', run.stdout + run.stderr);
    expect(run.stdout).toMatch(/^CANARY ROLLOUT PASSED \(local\)/m);
    expect(run.stdout).toMatch(/^PROMOTED: /m);
    expect(summaryTable(run.stdout)).toEqual({ 'smoke:canary': 'PASS', 'step:10': 'PASS', 'step:50': 'PASS', 'step:100': 'PASS', promote: 'PASS' });
    const shares = sharesSeen(run.stdout);
    expect(shares.map((s) => s.weight)).toEqual([10, 10, 50, 50, 100, 100]);
    // The stand-in's smooth weighted round-robin is exact to a request or two of each run.
    for (const { share, weight } of shares) expect(Math.abs(share - weight)).toBeLessThanOrEqual(3);
    expect(run.code).toBe(0);
    expect(await split(5)).toEqual({ canary: 5 });
  }, 180_000);

  it('rolls back a faulty canary within a minute, exit 1, every request on stable again', async () => {
    // Hand the traffic back, then restart the canary's ai-pipeline with a fault flag: half
    // of its executions now fail (500 INTERNAL_ERROR, a BAD_GATEWAY at the automation-service).
    // Half: at 10 % of 80 answers a check sees ~8 canary answers, and all 8 pass by chance
    // 0.4 % of the time (the next step then catches it: the test asserts the rollback, not where).
    expect((await script('canary.sh', ['rollback', 'local'])).code).toBe(0);
    await mesh.stopService('ai-pipeline-canary');
    mesh.services['ai-pipeline-canary'].spec.env.FAULT_INJECTION_ERROR_RATIO = '0.5';
    await mesh.startService('ai-pipeline-canary');

    // The gate alone, on the canary track at 50 %: the injected errors fail it.
    expect((await script('canary.sh', ['step', '50', 'local'])).code).toBe(0);
    await load(4, 20);
    const gate = await script('release_metrics_gate.sh', ['--track', 'canary', '--compare-to', 'stable', '--window', WINDOW, 'local', '0']);
    expect(gate.code).toBe(1);
    expect(summaryTable(gate.stdout)).toMatchObject({ traffic: 'PASS', 'error-ratio': 'FAIL', 'vs-stable': 'FAIL' });
    expect((await script('canary.sh', ['rollback', 'local'])).code).toBe(0);

    // The smoke test's single ping would fail at random here: the metric gates are what this proves.
    const run = await script('canary_rollout.sh', [...FAST, '--skip-smoke', 'local'], 180_000);
    keep('rollout-faulty.log', run.stdout + run.stderr);
    expect(run.stdout).toMatch(/^ROLLED BACK: /m);
    const rows = summaryTable(run.stdout);
    expect(rows).toMatchObject({ 'smoke:canary': 'SKIP', rollback: 'FAIL' });
    expect(rows).not.toHaveProperty('promote');
    expect(rows).not.toHaveProperty('step:100');
    // The gate named the error ratio each time it failed.
    const fails = [...run.stdout.matchAll(/check \d\/2: FAIL \(([^)]*)\)/g)].map((m) => m[1]);
    expect(fails).toHaveLength(2);
    for (const failed of fails) expect(failed).toContain('error-ratio');
    const rollbackMs = Number(/rolled back in (\d+) ms/.exec(run.stdout)?.[1]);
    expect(rollbackMs).toBeGreaterThan(0);
    expect(rollbackMs).toBeLessThan(60_000);
    expect(run.code).toBe(1);
    expect((await script('canary.sh', ['status', 'local'])).stdout).toContain('stable 100 % / canary 0 %');
    expect(await split(10)).toEqual({ stable: 10 });
  }, 180_000);
});
