/**
 * scripts/release_frontend_check.sh against a real mesh serving the built frontend (through the
 * gateway, as a browser reaches it) with Debian's headless Chromium, and against a static server
 * of this test's own whose folder holds no build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runScript, summaryTable as summary } from './release-scripts';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const CHECKS = ['page', 'html:root', 'html:title', 'assets', 'render'];

let testMesh: TestMesh;
let scratch: string;
let staticServer: Server;
let staticUrl: string;

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'frontend-check' });
  // A folder with an index.html that is not the app's build: no root, no title, no assets.
  scratch = mkdtempSync(path.join(tmpdir(), 'opsconductor-frontend-check-'));
  writeFileSync(path.join(scratch, 'index.html'), '<!doctype html><html><head><title>nginx</title></head><body>Welcome</body></html>\n');
  staticServer = createServer((req, res) => {
    if (req.url === '/app/') {
      // The real build's page, but its /assets/ are 404 here: React never mounts.
      res.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync(path.join(REPO_ROOT, 'frontend/dist/index.html')));
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(path.join(scratch, 'index.html')));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
  staticUrl = `http://127.0.0.1:${(staticServer.address() as { port: number }).port}`;
}, 120_000);

afterAll(async () => {
  await testMesh?.stop();
  await new Promise((resolve) => (staticServer ? staticServer.close(resolve) : resolve(undefined)));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const check = (args: string[], env: NodeJS.ProcessEnv) => runScript('release_frontend_check.sh', args, env, 90_000);

describe('scripts/release_frontend_check.sh', () => {
  it('passes through the gateway URL, the app rendered by headless Chromium', async () => {
    const run = await check(['local'], { OPSCONDUCTOR_GATEWAY_URL: testMesh.mesh.urls.gateway });
    // First: on failure, this shows the whole output.
    expect(run.stdout).toMatch(/^FRONTEND CHECK PASSED \(local\): 5 checks$/m);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(summary(run.stdout)).toEqual(Object.fromEntries(CHECKS.map((c) => [c, 'PASS'])));
    expect(run.stdout).toMatch(/^PASS assets: [1-9]\d* of [1-9]\d* loaded/m);
    expect(run.stdout).toContain("PASS render: Chromium rendered 'Exec Sandbox'");
  }, 90_000);

  it('fails with exit 1, naming the checks, when the served index.html is not the build', async () => {
    const run = await check(['local', '--skip-render'], { OPSCONDUCTOR_FRONTEND_URL: `${staticUrl}/` });
    expect(run.code).toBe(1);
    expect(summary(run.stdout)).toEqual({ page: 'PASS', 'html:root': 'FAIL', 'html:title': 'FAIL', assets: 'FAIL', render: 'SKIP' });
    expect(run.stdout).toMatch(/^FRONTEND CHECK FAILED \(local\): html:root html:title assets$/m);
  }, 30_000);

  it('fails with exit 1 when the page answers 404, and the render check fails without Chromium', async () => {
    const run = await check(['local'], { OPSCONDUCTOR_FRONTEND_URL: `${staticUrl}/missing`, CHROMIUM: 'no-such-chromium' });
    expect(run.code).toBe(1);
    expect(summary(run.stdout)).toMatchObject({ page: 'FAIL', render: 'FAIL' });
    expect(run.stdout).toMatch(/^FAIL page: GET \S+\/missing: HTTP 404/m);
    expect(run.stdout).toMatch(/^FAIL render: no Chromium: 'no-such-chromium' not on PATH/m);
  }, 30_000);

  it('fails the render check when the page is the build but its scripts do not load', async () => {
    const run = await check(['local'], { OPSCONDUCTOR_FRONTEND_URL: `${staticUrl}/app/` });
    expect(run.code).toBe(1);
    expect(summary(run.stdout)).toEqual({ page: 'PASS', 'html:root': 'PASS', 'html:title': 'PASS', assets: 'FAIL', render: 'FAIL' });
    expect(run.stdout).toMatch(/^FAIL render: 'Exec Sandbox' not in the rendered DOM/m);
  }, 90_000);

  it('prints its usage and exits 0 for --help', async () => {
    const run = await check(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scripts\/release_frontend_check\.sh .*\[local\|staging\|production\]/);
  });

  it('exits 2 for an unknown environment or option', async () => {
    const unknown = await check(['qa'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown environment 'qa'");
    const option = await check(['--nope'], {});
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('unknown option: --nope');
  });
});
