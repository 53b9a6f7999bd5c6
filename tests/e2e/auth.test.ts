/**
 * API keys end to end, through the gateway: every route needs a key (401 envelope without one),
 * a key works only within its scopes and its workspace, the admin routes are routed and need
 * the admin scope, a workspace's own rate limit answers 429 with Retry-After, and no secret
 * reaches a log file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setWorkspaceSettings } from '@opsconductor/db';
import type { Scope } from '@opsconductor/db';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { ALL_SCOPES, startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

/** Short, so a revoked key or a changed limit applies within a fraction of a second (default 2 s). */
const KEY_CACHE_MS = 250;
const SOME_ID = '0190a0a0-0000-7000-8000-000000000000';

/** The automation-service's route table (services/automation-service/test/auth.test.ts checks it against the app). */
const ROUTES: Array<[method: string, path: string, scope: Scope]> = [
  ['POST', '/ai/execute', 'actions:execute'],
  ['POST', '/ai/jobs', 'actions:execute'],
  ['GET', '/ai/jobs', 'actions:preview'],
  ['GET', `/ai/jobs/${SOME_ID}`, 'actions:preview'],
  ['POST', `/ai/jobs/${SOME_ID}/cancel`, 'actions:execute'],
  ['POST', `/ai/jobs/${SOME_ID}/retry`, 'actions:execute'],
  ['GET', `/ai/jobs/${SOME_ID}/events`, 'actions:preview'],
  ['GET', '/ai/events', 'actions:preview'],
  ['GET', '/ai/queue/dlq', 'admin'],
  ['POST', '/ai/queue/dlq/replay', 'admin'],
  ['GET', '/ai/admin/keys', 'admin'],
  ['POST', '/ai/admin/keys', 'admin'],
  ['POST', `/ai/admin/keys/${SOME_ID}/revoke`, 'admin'],
  ['POST', '/ai/admin/erase', 'admin'],
  ['GET', '/ai/audit', 'admin'],
];

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  headers: Headers;
  json: Json;
}

let testMesh: TestMesh;
let mesh: Mesh;
/** Every secret handed out, to look for in the logs at the end. */
const secrets: string[] = [];
const keyFor = async (workspace: string, actor: string, scopes?: Scope[]) => {
  const key = await testMesh.keyFor(workspace, actor, scopes);
  secrets.push(key.authorization.slice('Bearer '.length));
  return key;
};

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'auth', serviceEnv: { 'automation-service': { KEY_CACHE_MS: String(KEY_CACHE_MS) } } });
  mesh = testMesh.mesh;
}, 90_000);

afterAll(async () => {
  await testMesh?.stop();
}, 60_000);

/** One call through the gateway; event streams that open are closed at once (their answer never ends). */
async function gw(method: string, route: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const withBody = method === 'POST';
  const res = await fetch(`${mesh.urls.gateway}${route}`, {
    method,
    headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
    body: withBody ? JSON.stringify(body ?? {}) : undefined,
  });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, json: {} };
  }
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
}

describe('API keys through the gateway', () => {
  it.each(ROUTES)('refuses %s %s without a key: 401, the envelope and a Bearer challenge', async (method, route) => {
    const res = await gw(method, route);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="opsconductor"');
    expect(res.json).toEqual({
      success: false,
      error: { code: 'UNAUTHORIZED', message: 'an API key is required: send Authorization: Bearer <key>' },
      trace_id: res.headers.get('x-trace-id'),
      duration_ms: expect.any(Number),
    });
  });

  it('refuses an unknown key like a missing one, naming it invalid, never echoing it', async () => {
    const unknown = `oc_live_${'Q'.repeat(43)}`;
    const res = await gw('GET', '/ai/jobs', { authorization: `Bearer ${unknown}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="opsconductor", error="invalid_token"');
    expect(JSON.stringify(res.json)).not.toContain(unknown);
  });

  it('lets a preview-only key read but not submit: POST /ai/jobs and /ai/execute answer 403', async () => {
    const preview = await keyFor('ws-a', 'viewer', ['actions:preview']);
    expect((await gw('GET', '/ai/jobs', preview)).status).toBe(200);
    for (const [route, body] of [
      ['/ai/jobs', { action: 'echo', params: { input: 'ping' } }],
      ['/ai/execute', { input: 'ping', tool: 'echo' }],
    ] as const) {
      const res = await gw('POST', route, preview, body);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: 'the API key lacks the scope actions:execute' } });
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="opsconductor", error="insufficient_scope", scope="actions:execute"');
    }
    expect((await gw('GET', '/ai/jobs', preview)).json.jobs).toEqual([]);
  });

  it("keeps workspace A's job from a key of workspace B (404), and refuses B naming A in X-Workspace-Id (403)", async () => {
    const alice = await keyFor('ws-a', 'alice');
    const bob = await keyFor('ws-b', 'bob');
    const submitted = await gw('POST', '/ai/jobs', alice, { action: 'echo', params: { input: 'mine' } });
    expect(submitted.status).toBe(202);
    const id = submitted.json.job_id as string;

    expect((await gw('GET', `/ai/jobs/${id}`, alice)).status).toBe(200);
    for (const [method, route] of [
      ['GET', `/ai/jobs/${id}`],
      ['POST', `/ai/jobs/${id}/cancel`],
      ['GET', `/ai/jobs/${id}/events`],
    ] as const) {
      const res = await gw(method, route, bob);
      expect({ route, status: res.status, code: (res.json.error as Json | undefined)?.code }).toEqual({ route, status: 404, code: 'NOT_FOUND' });
    }
    expect((await gw('GET', '/ai/jobs', bob)).json.jobs).toEqual([]);

    const named = await gw('GET', `/ai/jobs/${id}`, { ...bob, 'x-workspace-id': 'ws-a' });
    expect(named.status).toBe(403);
    expect(named.json).toMatchObject({ error: { code: 'FORBIDDEN', details: [{ field: 'headers.x-workspace-id' }] } });
  });
});

describe('the admin routes through the gateway', () => {
  let admin: { authorization: string };
  let user: { authorization: string };

  beforeAll(async () => {
    admin = await keyFor('ws-ops', 'ops', ALL_SCOPES);
    user = await keyFor('ws-ops', 'carol', ['actions:preview', 'actions:execute']);
  });

  it.each(ROUTES.filter(([, , scope]) => scope === 'admin'))('refuses %s %s to a key without the admin scope (403)', async (method, route) => {
    const res = await gw(method, route, user);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: 'the API key lacks the scope admin' } });
  });

  it('serves the dead-letter queue and its replay to the admin key', async () => {
    expect(await gw('GET', '/ai/queue/dlq', admin)).toMatchObject({ status: 200, json: { jobs: [] } });
    // Reached the route: no such dead job in this workspace.
    expect(await gw('POST', '/ai/queue/dlq/replay', admin, { job_id: SOME_ID })).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
  });

  it('creates, lists and revokes keys of its own workspace; a revoked key is refused within the cache time', async () => {
    const created = await gw('POST', '/ai/admin/keys', admin, { actor_id: 'dave', scopes: ['actions:preview'], name: 'e2e' });
    expect(created.status).toBe(201);
    const secret = created.json.secret as string;
    secrets.push(secret);
    const keyId = (created.json.key as Json).id as string;
    expect((await gw('GET', '/ai/jobs', { authorization: `Bearer ${secret}` })).status).toBe(200);

    const listed = await gw('GET', '/ai/admin/keys', admin);
    expect(listed.status).toBe(200);
    const keys = listed.json.keys as Json[];
    expect(keys.map((k) => k.id)).toContain(keyId);
    expect(new Set(keys.map((k) => k.workspace_id))).toEqual(new Set(['ws-ops']));
    expect(JSON.stringify(listed.json)).not.toContain(secret);

    expect(await gw('POST', `/ai/admin/keys/${keyId}/revoke`, admin)).toMatchObject({ status: 200, json: { id: keyId, revoked_at: expect.any(String) } });
    await waitFor('the revoked key to be refused', async () => (await gw('GET', '/ai/jobs', { authorization: `Bearer ${secret}` })).status === 401, {
      timeoutMs: KEY_CACHE_MS + 5000,
    });
  });

  it("shows the workspace's audit trail, and erases an actor's data", async () => {
    const submitted = await gw('POST', '/ai/jobs', user, { action: 'echo', params: { input: 'audited' } });
    expect(submitted.status).toBe(202);
    const id = submitted.json.job_id as string;
    // Rows are written in batches, off the request path.
    let entries: Json[] = [];
    await waitFor(
      'the audit row of the submission',
      async () => {
        const res = await gw('GET', `/ai/audit?job_id=${id}`, admin);
        entries = res.json.entries as Json[];
        return res.status === 200 && entries.length > 0;
      },
      { timeoutMs: 10_000 },
    );
    expect(entries[0]).toMatchObject({ workspace_id: 'ws-ops', actor_id: 'carol', job_id: id });

    const erased = await gw('POST', '/ai/admin/erase', admin, { actor_id: 'nobody' });
    expect(erased.status).toBe(200);
  });
});

describe("a workspace's own rate limit, through the gateway", () => {
  it('answers 429 RATE_LIMITED with Retry-After once the workspace is past its limit, and other workspaces go on', async () => {
    const throttled = await keyFor('ws-throttled', 'eve');
    const other = await keyFor('ws-free', 'frank');
    expect((await gw('GET', '/ai/jobs', throttled)).status).toBe(200);

    await setWorkspaceSettings(testMesh.db, 'ws-throttled', { rate_limit_per_minute: 2 });
    // The old setting is trusted for up to KEY_CACHE_MS; then the third request of the new window is refused.
    let refused: Answer | undefined;
    await waitFor(
      'a 429 for ws-throttled',
      async () => {
        const res = await gw('GET', '/ai/jobs', throttled);
        if (res.status === 429) refused = res;
        return res.status === 429;
      },
      { timeoutMs: KEY_CACHE_MS + 5000 },
    );
    const res = refused as Answer;
    expect(res.json).toEqual({
      success: false,
      error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^this workspace may send 2 requests a minute; retry in \d+ s$/) },
      trace_id: res.headers.get('x-trace-id'),
      duration_ms: expect.any(Number),
    });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    // The workspace's own limit reaches the client: the gateway hides its per-IP headers.
    expect(res.headers.get('ratelimit-limit')).toBe('2');
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
    expect((await gw('GET', '/ai/jobs', other)).status).toBe(200);
  });
});

describe('secrets', () => {
  it('never appear in any log of the mesh', () => {
    expect(secrets.length).toBeGreaterThan(5);
    const logs = readdirSync(mesh.logDir).map((file) => readFileSync(path.join(mesh.logDir, file), 'utf8'));
    expect(logs.join('\n').length).toBeGreaterThan(0);
    for (const secret of secrets) for (const log of logs) expect(log.includes(secret)).toBe(false);
  });
});
