/**
 * Every /ai/ route needs an API key with its scope, and no key ever reaches another
 * workspace's data: checked route by route from the app's own route table, and as properties
 * over random keys, scopes, workspaces and requests (fast-check).
 */
import fc from 'fast-check';
import { request } from 'undici';
import { revokeApiKey, SCOPES } from '@opsconductor/db';
import type { Scope } from '@opsconductor/db';
import { KeyResolver } from '@opsconductor/db';
import { createCaller } from './helpers';
import { startJobsService, until } from './jobs-service';
import type { JobsService } from './jobs-service';

type Json = Record<string, unknown>;
const SOME_ID = '0190a0a0-0000-7000-8000-000000000000';

/** The status of a request, without reading the body (event streams never end). */
async function statusOf(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; json?: Json }> {
  const res = await request(url, { method: method as 'GET', headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, body: method === 'POST' ? '{}' : undefined });
  if (String(res.headers['content-type']).startsWith('text/event-stream')) {
    res.body.on('error', () => undefined); // the abort below is ours
    res.body.destroy();
    return { status: res.statusCode, headers: res.headers };
  }
  return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as Json };
}

describe('authentication and scopes', () => {
  let service: JobsService;
  const caller = createCaller();
  /** A key of each set of scopes (the empty set: no key at all), in workspace ws-auth. */
  const keys = new Map<string, Record<string, string>>();
  const subsets: Scope[][] = [[], ...SCOPES.map((s) => [s]), ['actions:preview', 'actions:execute'], ['actions:execute', 'admin'], ['actions:preview', 'admin'], [...SCOPES]];

  beforeAll(async () => {
    service = await startJobsService();
    for (const scopes of subsets) keys.set(scopes.join(','), scopes.length === 0 ? {} : await service.keyFor('ws-auth', 'al', scopes));
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  const routes = () => service.app.scopedRoutes.map((r) => ({ ...r, path: r.url.replace(':id', SOME_ID) }));

  it('serves the routes a user expects, each with the scope it needs', () => {
    const table = Object.fromEntries(routes().map((r) => [`${r.method} ${r.url}`, r.scope]));
    expect(table).toEqual({
      'POST /ai/execute': 'actions:execute',
      'POST /ai/plan': 'actions:preview',
      'POST /ai/jobs': 'actions:execute',
      'GET /ai/jobs': 'actions:preview',
      'GET /ai/jobs/:id': 'actions:preview',
      'POST /ai/jobs/:id/cancel': 'actions:execute',
      'POST /ai/jobs/:id/retry': 'actions:execute',
      'GET /ai/jobs/:id/events': 'actions:preview',
      'GET /ai/whoami': 'actions:preview',
      'GET /ai/events': 'actions:preview',
      'GET /ai/queue/dlq': 'admin',
      'GET /ai/tools': 'actions:preview',
      'GET /ai/tasks': 'actions:preview',
      'POST /ai/queue/dlq/replay': 'admin',
      'GET /ai/admin/keys': 'admin',
      'POST /ai/admin/keys': 'admin',
      'POST /ai/admin/keys/:id/revoke': 'admin',
      'GET /ai/audit': 'admin',
      'POST /ai/admin/erase': 'admin',
    });
  });

  it('property: no key → 401 with a Bearer challenge; a key without the scope → 403; with it, past auth', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes()), fc.constantFrom(...subsets), async (route, scopes) => {
        const res = await statusOf(`${service.url}${route.path}`, route.method, keys.get(scopes.join(',')) ?? {});
        if (scopes.length === 0) {
          expect(res.status).toBe(401);
          expect(res.headers['www-authenticate']).toBe('Bearer realm="opsconductor"');
          expect(res.json).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
        } else if (!scopes.includes(route.scope)) {
          expect(res.status).toBe(403);
          expect(res.json).toMatchObject({ error: { code: 'FORBIDDEN', message: `the API key lacks the scope ${route.scope}` } });
        } else {
          expect([401, 403]).not.toContain(res.status);
        }
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['a malformed header', 'Basic abc'],
    ['an unknown key', `Bearer oc_live_${'A'.repeat(43)}`],
    ['a key of the wrong shape', 'Bearer not-a-key'],
  ])('answers 401 invalid_token for %s, the same for every kind', async (_case, authorization) => {
    const res = await caller.call(`${service.url}/ai/jobs`, { headers: { authorization } });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    if (authorization.startsWith('Bearer')) {
      expect(res.headers['www-authenticate']).toBe('Bearer realm="opsconductor", error="invalid_token"');
      expect(res.text).not.toContain(authorization.slice(7)); // never echoed
    } else {
      expect(res.headers['www-authenticate']).toBe('Bearer realm="opsconductor"');
    }
  });

  it('refuses a request whose X-Workspace-Id names another workspace, and accepts its own', async () => {
    const key = keys.get(SCOPES.join(',')) as Record<string, string>;
    const other = await caller.call(`${service.url}/ai/jobs`, { headers: { ...key, 'x-workspace-id': 'ws-victim' } });
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ error: { code: 'FORBIDDEN', details: [{ field: 'headers.x-workspace-id' }] } });
    expect((await caller.call(`${service.url}/ai/jobs`, { headers: { ...key, 'x-workspace-id': 'ws-auth' } })).status).toBe(200);
  });
});

describe('revocation', () => {
  it('is honoured within the key cache time', async () => {
    const caller = createCaller();
    // A short cache, so the test need not wait 2 s; the production default is KEY_CACHE_MS.
    const service = await startJobsService({ access: (db) => ({ keys: new KeyResolver({ db, ttlMs: 200 }) }) });
    try {
      const auth = await service.keyFor('ws-r', 'al');
      expect((await caller.call(`${service.url}/ai/jobs`, { headers: auth })).status).toBe(200);
      const id = (await service.db.query<{ id: string }>('SELECT id FROM api_keys WHERE workspace_id = $1', ['ws-r'])).rows[0]?.id as string;
      await revokeApiKey(service.db, id);
      const revokedAt = Date.now();
      await until(async () => (await caller.call(`${service.url}/ai/jobs`, { headers: auth })).status === 401, 'the revoked key to be refused', 2000);
      expect(Date.now() - revokedAt).toBeLessThan(1000);
    } finally {
      await caller.close();
      await service.close();
    }
  });
});

describe('property: no key ever reads or changes another workspace\'s data', () => {
  let service: JobsService;
  const caller = createCaller();
  const WORKSPACES = ['ws-p1', 'ws-p2', 'ws-p3'];
  /** Job id → owning workspace. */
  const owner = new Map<string, string>();

  beforeAll(async () => {
    service = await startJobsService();
    for (const ws of WORKSPACES) {
      for (let i = 0; i < 2; i++) {
        const res = await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo', params: { ws, i } }, headers: await service.as(ws) });
        owner.set(res.json.job_id as string, ws);
      }
    }
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  const OPS = ['get', 'cancel', 'retry', 'replay', 'events', 'list', 'dlq', 'audit'] as const;
  type Op = (typeof OPS)[number];

  async function run(op: Op, ws: string, jobId: string): Promise<{ status: number; json: Json }> {
    const headers = await service.as(ws);
    const base = service.url;
    switch (op) {
      case 'get':
        return caller.call(`${base}/ai/jobs/${jobId}`, { headers });
      case 'cancel':
        return caller.call(`${base}/ai/jobs/${jobId}/cancel`, { method: 'POST', headers });
      case 'retry':
        return caller.call(`${base}/ai/jobs/${jobId}/retry`, { method: 'POST', headers });
      case 'replay':
        return caller.call(`${base}/ai/queue/dlq/replay`, { body: { job_id: jobId }, headers });
      case 'events':
        return statusOf(`${base}/ai/jobs/${jobId}/events`, 'GET', headers).then((r) => ({ status: r.status, json: r.json ?? {} }));
      case 'list':
        return caller.call(`${base}/ai/jobs`, { headers });
      case 'dlq':
        return caller.call(`${base}/ai/queue/dlq`, { headers });
      case 'audit':
        return caller.call(`${base}/ai/audit`, { headers });
    }
  }

  it('holds for random keys, routes and jobs', async () => {
    const jobIds = [...owner.keys()];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ op: fc.constantFrom(...OPS), ws: fc.constantFrom(...WORKSPACES), job: fc.constantFrom(...jobIds) }), { minLength: 1, maxLength: 4 }),
        async (steps) => {
          for (const { op, ws, job } of steps) {
            const jobOwner = owner.get(job) as string;
            const before = await service.store.get(jobOwner, job);
            const res = await run(op, ws, job);
            if (['get', 'cancel', 'retry', 'replay', 'events'].includes(op) && jobOwner !== ws) {
              expect(res.status).toBe(404);
              expect(await service.store.get(jobOwner, job)).toEqual(before);
            }
            const rows = (res.json.jobs ?? res.json.entries ?? []) as Json[];
            for (const row of rows) expect(row.workspace_id).toBe(ws);
            if (res.json.job_id !== undefined) expect(res.json.workspace_id).toBe(ws);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
