/**
 * scripts/release_smoke.sh against a real mesh with its local Prometheus, run as an operator
 * runs it (`bash scripts/release_smoke.sh local`), its URLs pointed at this mesh's random ports
 * by the environment variables that override scripts/env/local.env.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/release_smoke.sh');
const CHECKS = [
  'health:gateway',
  'health:automation-service',
  'ready:automation-service',
  'health:ai-pipeline',
  'health:queue-worker',
  'metrics:gateway',
  'metrics:automation-service',
  'metrics:ai-pipeline',
  'metrics:queue-worker',
  'ping-pong',
  'ai_requests_total',
  'prometheus',
  'async-job',
];

let testMesh: TestMesh;
let mesh: Mesh;
let secret: string;
let scratch: string;

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'smoke', prometheus: 'required' });
  mesh = testMesh.mesh;
  secret = (await testMesh.keyFor('ws-smoke', 'release')).authorization.replace(/^Bearer /, '');
  scratch = mkdtempSync(path.join(tmpdir(), 'opsconductor-smoke-'));
  // The script's Prometheus check needs a first scrape to have happened.
  await waitFor(
    'Prometheus to have scraped the mesh',
    async () => {
      const res = await fetch(`${mesh.urls.prometheus}/api/v1/query?query=up`);
      const json = (await res.json()) as { data?: { result?: unknown[] } };
      return (json.data?.result?.length ?? 0) > 0;
    },
    { timeoutMs: 30_000 },
  );
}, 120_000);

afterAll(async () => {
  await testMesh?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** This process's environment without any OPSCONDUCTOR_* of the developer's, plus `extra`. */
function scriptEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OPSCONDUCTOR_')));
  return { ...env, ...extra };
}

/** The URL overrides that point local.env at this mesh. */
function meshEnv(): NodeJS.ProcessEnv {
  return {
    OPSCONDUCTOR_GATEWAY_URL: mesh.urls.gateway,
    OPSCONDUCTOR_GATEWAY_STATUS_URL: mesh.urls.gatewayStatus,
    OPSCONDUCTOR_AUTOMATION_URL: mesh.urls.automation,
    OPSCONDUCTOR_AUTOMATION_METRICS_URL: mesh.urls.automationMetrics,
    OPSCONDUCTOR_PIPELINE_URL: mesh.urls.pipeline,
    OPSCONDUCTOR_PIPELINE_METRICS_URL: mesh.urls.pipelineMetrics,
    OPSCONDUCTOR_WORKER_URL: mesh.urls.workerMetrics,
    OPSCONDUCTOR_PROMETHEUS_URL: mesh.urls.prometheus,
  };
}

function smoke(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { cwd: ROOT, env: scriptEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

/** The summary table at the end: check name → PASS, FAIL or SKIP. */
function summary(stdout: string): Record<string, string> {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^CHECK\s+RESULT\s+DETAIL$/.test(l));
  expect(header).toBeGreaterThan(-1);
  const rows: Record<string, string> = {};
  for (const line of lines.slice(header + 2)) {
    const match = /^(\S+)\s+(PASS|FAIL|SKIP)\s/.exec(line);
    if (!match) break;
    rows[match[1]!] = match[2]!;
  }
  return rows;
}

describe('scripts/release_smoke.sh', () => {
  it('passes against the running mesh, every check PASS, without printing the key', async () => {
    const run = await smoke(['local'], { ...meshEnv(), OPSCONDUCTOR_API_KEY: secret });
    // First: on failure, this shows the whole output.
    expect(run.stdout).toMatch(/^SMOKE PASSED \(local\): 13 checks$/m);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(summary(run.stdout)).toEqual(Object.fromEntries(CHECKS.map((c) => [c, 'PASS'])));
    expect(run.stdout).toMatch(/X-Trace-Id smoke-\S+ returned in header and body/);
    expect(run.stdout).not.toContain(secret);
  }, 60_000);

  it('takes the local development key file when the key variable is unset, and skips Prometheus when none is configured', async () => {
    const keyFile = path.join(scratch, 'dev-api-key');
    writeFileSync(keyFile, `${secret}\n`, { mode: 0o600 });
    const run = await smoke(['local'], { ...meshEnv(), OPSCONDUCTOR_PROMETHEUS_URL: '', DEV_KEY_FILE: keyFile });
    expect(run.stdout).toMatch(/^SMOKE PASSED \(local\)/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`API key from ${keyFile}`);
    expect(summary(run.stdout)).toMatchObject({ 'ping-pong': 'PASS', 'async-job': 'PASS', prometheus: 'SKIP' });
    expect(run.stdout).toMatch(/^SKIP prometheus: no Prometheus URL configured for local/m);
    expect(run.stdout).not.toContain(secret);
  }, 60_000);

  it('prints its usage and exits 0 for --help', async () => {
    const run = await smoke(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scripts\/release_smoke\.sh .*\[local\|staging\|production\]/);
  });

  it('exits 2 for an unknown environment, and for a shared environment without its key variable', async () => {
    const unknown = await smoke(['qa'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown environment 'qa'");
    const noKey = await smoke(['staging'], {});
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key: set $OPSCONDUCTOR_API_KEY_STAGING');
  });

  // Last: ai-pipeline stays stopped.
  it('fails with exit 1, naming the failing checks, when ai-pipeline is stopped', async () => {
    await mesh.stopService('ai-pipeline');
    const run = await smoke(['local'], { ...meshEnv(), OPSCONDUCTOR_API_KEY: secret, OPSCONDUCTOR_JOB_TIMEOUT_SECONDS: '3' });
    expect(run.code).toBe(1);
    const rows = summary(run.stdout);
    expect(rows).toMatchObject({
      'health:ai-pipeline': 'FAIL',
      'metrics:ai-pipeline': 'FAIL',
      'ready:automation-service': 'FAIL',
      'ping-pong': 'FAIL',
      'async-job': 'FAIL',
      'health:gateway': 'PASS',
      'health:queue-worker': 'PASS',
    });
    const failedLine = /^SMOKE FAILED \(local\): (.*)$/m.exec(run.stdout);
    expect(failedLine?.[1]?.split(' ')).toEqual(expect.arrayContaining(['health:ai-pipeline', 'ping-pong', 'async-job']));
    expect(run.stdout).not.toContain(secret);
  }, 60_000);
});
