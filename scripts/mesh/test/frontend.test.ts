/**
 * The launcher's static server for frontend/dist, on a tiny fixture build (never the real one:
 * these tests must not depend on the frontend being built): content types, the SPA fallback,
 * 404s for missing assets and API paths, cache headers; then one mesh serving it directly and
 * through the gateway stand-in's `frontend` route.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL, freePort, freePorts, frontendMissing, startFrontend, startMesh } from '../src';
import type { FrontendServer, Mesh } from '../src';

const INDEX = '<!doctype html><html><head><title>OpsConductor</title><script type="module" crossorigin src="/assets/index-Bx7a9c1d.js"></script></head><body><div id="root"></div></body></html>';

/** What `vite build` writes, in miniature: index.html, hashed assets, a public file. */
function writeFixture(dir: string): void {
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), INDEX);
  writeFileSync(path.join(dir, 'assets', 'index-Bx7a9c1d.js'), 'export const fixture = 1;\n');
  writeFileSync(path.join(dir, 'assets', 'index-D4e5f6a7.css'), 'body { margin: 0 }\n');
  writeFileSync(path.join(dir, 'assets', 'logo-9f8e7d6c.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
}

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', cache: res.headers.get('cache-control'), headers: res.headers, text };
}

describe('the frontend server', () => {
  let dir: string;
  let server: FrontendServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mesh-frontend-'));
    writeFixture(dir);
    server = await startFrontend({ distDir: dir, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache, so a new build is picked up at once', async () => {
    const res = await get(`${server.url}/`);
    expect(res).toMatchObject({ status: 200, text: INDEX, cache: PAGE_CACHE_CONTROL });
    expect(res.type).toMatch(/^text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each(['/jobs', '/jobs/0190a0a0-0000-7000-8000-000000000000', '/settings?tab=key'])('answers the client route %s with index.html (SPA fallback)', async (route) => {
    const res = await get(`${server.url}${route}`);
    expect(res).toMatchObject({ status: 200, text: INDEX, cache: PAGE_CACHE_CONTROL });
    expect(res.type).toMatch(/^text\/html/);
  });

  it('answers HEAD of a client route like its GET, without a body', async () => {
    const res = await get(`${server.url}/jobs`, { method: 'HEAD' });
    expect(res).toMatchObject({ status: 200, text: '', cache: PAGE_CACHE_CONTROL });
    expect(res.type).toMatch(/^text\/html/);
  });

  it.each([
    ['/assets/index-Bx7a9c1d.js', /^(application|text)\/javascript/],
    ['/assets/index-D4e5f6a7.css', /^text\/css/],
    ['/assets/logo-9f8e7d6c.svg', /^image\/svg\+xml/],
  ])('serves the hashed asset %s with its content type, cached for a year as immutable', async (file, type) => {
    const res = await get(`${server.url}${file}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(type);
    expect(res.cache).toBe(ASSET_CACHE_CONTROL);
  });

  it('serves a file outside /assets/ (not content-hashed) with no-cache', async () => {
    const res = await get(`${server.url}/favicon.svg`);
    expect(res).toMatchObject({ status: 200, cache: PAGE_CACHE_CONTROL });
    expect(res.type).toMatch(/^image\/svg\+xml/);
  });

  it.each([
    ['a missing hashed asset', '/assets/index-00000000.js'],
    ['the assets folder itself', '/assets/'],
    ['a missing file with an extension', '/robots.txt'],
    ['an API path the gateway sent here', '/ai/tools'],
    ['the API prefix itself', '/ai'],
  ])('answers %s with a 404 envelope, never index.html', async (_what, url) => {
    const res = await get(`${server.url}${url}`, { headers: { 'x-trace-id': 'fe-404' } });
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Not Found' }, trace_id: 'fe-404', duration_ms: expect.any(Number) });
    expect(res.headers.get('x-trace-id')).toBe('fe-404');
  });

  it('answers other methods with a 404 envelope, its trace id the X-Request-Id when no valid X-Trace-Id came', async () => {
    const res = await get(`${server.url}/`, { method: 'POST', headers: { 'x-trace-id': 'not valid!', 'x-request-id': 'req-5' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'NOT_FOUND' }, trace_id: 'req-5' });
  });
});

describe('frontendMissing', () => {
  it('is a one-line notice naming the missing index.html, and nothing for a build', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesh-frontend-missing-'));
    try {
      const notice = frontendMissing(path.join(dir, 'dist'));
      expect(notice).toBe(`not served: ${path.join(dir, 'dist', 'index.html')} is missing (build it: pnpm run build)`);
      expect(notice).not.toContain('\n');
      writeFixture(path.join(dir, 'dist'));
      expect(frontendMissing(path.join(dir, 'dist'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes startFrontend fail naming the setting when its port is taken', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesh-frontend-port-'));
    writeFixture(dir);
    const first = await startFrontend({ distDir: dir, host: '127.0.0.1', port: 0 });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startFrontend({ distDir: dir, host: '127.0.0.1', port })).rejects.toThrow(`the frontend's port ${port} is in use (scripts/start: FRONTEND_PORT moves it`);
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startMesh with the frontend', () => {
  let dataDir: string;
  let dist: string;
  let database: TestDatabase;
  let mesh: Mesh | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mesh-frontend-mesh-'));
    dist = path.join(dataDir, 'dist');
    writeFixture(dist);
    database = await freshPostgres();
    mesh = await startMesh({
      ports: await freePorts(),
      dataDir,
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      databaseUrl: database.url,
      devKey: false,
      frontendDist: dist,
    });
  }, 90_000);

  afterAll(async () => {
    await mesh?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('serves it by default on the frontend port', async () => {
    const m = mesh as Mesh;
    expect(m.frontend).toEqual({ url: `http://127.0.0.1:${m.ports.frontend}`, notice: undefined, distDir: dist });
    expect(m.urls.frontend).toBe(m.frontend.url);
    expect(await get(`${m.urls.frontend}/jobs`)).toMatchObject({ status: 200, text: INDEX });
  });

  it('serves it through the gateway at / (the frontend route), with the API still on /ai/*', async () => {
    const m = mesh as Mesh;
    const page = await get(`${m.urls.gateway}/jobs`);
    expect(page).toMatchObject({ status: 200, text: INDEX, cache: PAGE_CACHE_CONTROL });
    expect(page.headers.get('x-request-id')).toBeTruthy();
    expect((await get(`${m.urls.gateway}/assets/index-Bx7a9c1d.js`)).cache).toBe(ASSET_CACHE_CONTROL);
    // Longer prefixes win: the automation-service answers (401 without a key), not the frontend.
    const api = await get(`${m.urls.gateway}/ai/jobs`);
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  // The canary's side of a mesh started without it (the Prometheus suite's mesh runs it).
  it('runs without the canary pair unless asked: the stable services answer as `stable`, kong.yml\'s canary target leads to them', async () => {
    const m = mesh as Mesh;
    expect(m.canary).toBeUndefined();
    expect([m.urls.canaryAutomation, m.urls.canaryAutomationMetrics, m.urls.canaryPipeline, m.urls.canaryPipelineMetrics]).toEqual([undefined, undefined, undefined, undefined]);
    expect(m.services['ai-pipeline-canary'].running).toBe(false);
    expect(m.services['automation-service-canary'].running).toBe(false);
    await expect(m.startService('automation-service-canary')).rejects.toThrow('automation-service-canary: the mesh runs without the canary pair');
    const health = await fetch(`${m.urls.automation}/health`);
    expect(health.headers.get('x-opsconductor-version')).toBe('stable');
    expect(await health.json()).toEqual({ status: 'ok', service: 'automation-service', version: 'stable' });
    expect(m.services.gateway.spec.env.GATEWAY_TARGET_OVERRIDES?.split(',')).toContain(`automation-service-canary:3003=127.0.0.1:${m.ports.automation}`);
    // Through the gateway the answer names the version too (X-OpsConductor-Version passes the proxy).
    const viaGateway = await fetch(`${m.urls.gateway}/ai/jobs`);
    expect(viaGateway.headers.get('x-opsconductor-version')).toBe('stable');
  });

  it('stops it with the mesh', async () => {
    const m = mesh as Mesh;
    mesh = undefined;
    await m.stop();
    await expect(fetch(`${m.urls.frontend}/`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 60_000);
});
