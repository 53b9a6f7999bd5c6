/**
 * scripts/release_smoke.sh against a real mesh with its local Prometheus, run as an operator
 * runs it (`bash scripts/release_smoke.sh local`), its URLs pointed at this mesh's random ports
 * by the environment variables that override scripts/env/local.env.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { meshScriptEnv, runScript, summaryTable as summary } from './release-scripts';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

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

const smoke = (args: string[], env: NodeJS.ProcessEnv) => runScript('release_smoke.sh', args, env);
const meshEnv = () => meshScriptEnv(mesh);

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
