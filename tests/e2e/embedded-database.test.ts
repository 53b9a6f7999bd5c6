/**
 * The local default, on purpose: no DATABASE_URL, so the launcher embeds PGlite, serves it to
 * every service over the PostgreSQL protocol and creates the development key, and a developer's
 * first call through the gateway with that key works (`scripts/start`, then the README's curl).
 * Every other suite runs on a fresh PostgreSQL database instead (tests/e2e/test-mesh.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEV_KEY_FILE, freePorts, startMesh } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { deleteKeys } from './test-mesh';

const PREFIX = `e2e-embedded-${randomBytes(4).toString('hex')}`;
let mesh: Mesh;
let dataDir: string;

beforeAll(async () => {
  // Jest gives each test file its own copy of process.env: this one must not see a DATABASE_URL.
  delete process.env.DATABASE_URL;
  dataDir = mkdtempSync(path.join(tmpdir(), 'opsconductor-embedded-'));
  mesh = await startMesh({
    ports: await freePorts(),
    dataDir,
    env: { JOB_KEY_PREFIX: PREFIX },
  });
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  // The rate-limit counters of the dev workspace (a redis-server the launcher started is gone with dataDir).
  if (mesh && !mesh.redis.started) await deleteKeys(mesh.urls.redis, PREFIX);
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

async function gateway(method: string, route: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${mesh.urls.gateway}${route}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the mesh on its embedded PGlite, with the development key', () => {
  it('embeds the database and keeps the development key where the README says', () => {
    expect(mesh.database.embedded).toBe(true);
    expect(mesh.devKey).toMatch(/^oc_live_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(path.join(dataDir, DEV_KEY_FILE), 'utf8').trim()).toBe(mesh.devKey);
  });

  it('answers ping with pong through the gateway for the development key, and 401 without it', async () => {
    const authorization = `Bearer ${mesh.devKey as string}`;
    const pong = await gateway('POST', '/ai/execute', { authorization }, { input: 'ping', tool: 'echo' });
    expect(pong).toEqual({ status: 200, json: expect.objectContaining({ success: true, output: 'pong', tool: 'echo' }) });
    const anonymous = await gateway('POST', '/ai/execute', {}, { input: 'ping', tool: 'echo' });
    expect(anonymous).toEqual({ status: 401, json: expect.objectContaining({ success: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) }) });
  });

  it('serves the admin routes from the embedded database: the key is the dev workspace developer\'s', async () => {
    const { status, json } = await gateway('GET', '/ai/admin/keys', { authorization: `Bearer ${mesh.devKey as string}` });
    expect(status).toBe(200);
    expect(json.keys).toEqual([expect.objectContaining({ workspace_id: 'dev', actor_id: 'developer', scopes: ['actions:preview', 'actions:execute', 'admin'], revoked_at: null })]);
  });
});
