/**
 * frontend/nginx.conf, run by a real nginx (Debian package `nginx`; the image runs nginx's
 * stable line on alpine) over a tiny fixture build, held to the same rules as the local mesh's
 * static server (scripts/mesh/test/frontend.test.ts): SPA fallback, content types, cache
 * headers, and the 404 envelope for missing files, API paths and other methods.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/mesh/src/ports';
import { REPO_ROOT } from './run-tool';

const CONF = path.join(REPO_ROOT, 'frontend/nginx.conf');
const ASSET_CACHE = 'public, max-age=31536000, immutable';
const INDEX = '<!doctype html><html><head><title>OpsConductor</title></head><body><div id="root"></div></body></html>';
const NGINX = ['/usr/sbin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).error === undefined);

function replaced(text: string, find: string, replace: string): string {
  if (!text.includes(find)) throw new Error(`frontend/nginx.conf no longer contains ${JSON.stringify(find)}`);
  return text.replace(find, replace);
}

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', cache: res.headers.get('cache-control'), headers: res.headers, text };
}

describe('frontend/nginx.conf in a real nginx', () => {
  let dir: string;
  let nginx: ChildProcess | undefined;
  let url: string;
  let errors = '';

  beforeAll(async () => {
    if (!NGINX) throw new Error('"nginx" is not installed: install the Debian package nginx (apt-get install -y --no-install-recommends nginx)');
    dir = mkdtempSync(path.join(tmpdir(), 'frontend-nginx-'));
    // Readable by the worker, which runs as nobody when the tests run as root.
    chmodSync(dir, 0o755);
    const html = path.join(dir, 'html');
    mkdirSync(path.join(html, 'assets'), { recursive: true });
    writeFileSync(path.join(html, 'index.html'), INDEX);
    writeFileSync(path.join(html, 'assets', 'index-Bx7a9c1d.js'), 'export const fixture = 1;\n');
    writeFileSync(path.join(html, 'assets', 'index-D4e5f6a7.css'), 'body { margin: 0 }\n');
    writeFileSync(path.join(html, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The server block as the image gets it; only its port and root moved here.
    const server = replaced(replaced(readFileSync(CONF, 'utf8'), 'listen 3100;', `listen 127.0.0.1:${port};`), 'root /usr/share/nginx/html;', `root ${html};`);
    writeFileSync(path.join(dir, 'default.conf'), server);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, `${t}_temp`)};`);
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${path.join(dir, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events { worker_connections 64; }',
        'http {',
        '  include /etc/nginx/mime.types;',
        '  default_type application/octet-stream;',
        '  access_log off;',
        ...temp,
        `  include ${path.join(dir, 'default.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const check = spawnSync(NGINX, ['-e', 'stderr', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-t'], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t refused the config:\n${check.stderr}`);
    const child = spawn(NGINX, ['-e', 'stderr', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx = child;
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${errors}`);
      if (await fetch(url, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false)) break;
      if (Date.now() > deadline) throw new Error(`nginx did not answer on ${url} within 10 s:\n${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 20_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx?.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and at every client route, no-cache, as HTML', async () => {
    for (const route of ['/', '/jobs', '/jobs/0190a0a0-0000-7000-8000-000000000000?tab=events', '/assets']) {
      const res = await get(`${url}${route}`);
      expect({ route, status: res.status, text: res.text, cache: res.cache }).toEqual({ route, status: 200, text: INDEX, cache: 'no-cache' });
      expect(res.type).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers HEAD of a client route without a body', async () => {
    expect(await get(`${url}/jobs`, { method: 'HEAD' })).toMatchObject({ status: 200, text: '', cache: 'no-cache' });
  });

  it.each([
    ['/assets/index-Bx7a9c1d.js', /^(application|text)\/javascript/],
    ['/assets/index-D4e5f6a7.css', /^text\/css/],
  ])('serves the hashed asset %s with its content type, cached for a year as immutable', async (file, type) => {
    const res = await get(`${url}${file}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(type);
    expect(res.cache).toBe(ASSET_CACHE);
  });

  it('serves a file outside /assets/ with no-cache', async () => {
    const res = await get(`${url}/favicon.svg`);
    expect(res).toMatchObject({ status: 200, cache: 'no-cache' });
    expect(res.type).toMatch(/^image\/svg\+xml/);
  });

  it.each(['/assets/index-00000000.js', '/assets/', '/robots.txt', '/ai/tools', '/ai'])('answers %s with the 404 envelope, never index.html', async (route) => {
    const res = await get(`${url}${route}`, { headers: { 'x-trace-id': 'fe-404' } });
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Not Found' }, trace_id: 'fe-404', duration_ms: 0 });
    expect(res.headers.get('x-trace-id')).toBe('fe-404');
    expect(res.cache).toBe('no-cache');
  });

  it("answers other methods with the 404 envelope, quoting the gateway's X-Request-Id when no valid X-Trace-Id came", async () => {
    const res = await get(`${url}/`, { method: 'POST', headers: { 'x-trace-id': 'not valid!', 'x-request-id': 'req-5' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'NOT_FOUND' }, trace_id: 'req-5' });
    const bare = await get(`${url}/ai/jobs`);
    expect(JSON.parse(bare.text).trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('logged no error while serving', () => {
    expect(errors).toBe('');
  });
});
