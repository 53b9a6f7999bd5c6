import { createCaller } from './helpers';
import { startJobsService } from './jobs-service';
import type { JobsService } from './jobs-service';
import { openSse } from '@opsconductor/kit/testing';

type Json = Record<string, unknown>;
const details = (json: Json) => ((json.error as { details?: Array<{ field: string }> }).details ?? []).map((d) => d.field).sort();
const SOME_ID = '0190a0a0-0000-7000-8000-000000000000';

/** Every route that acts for a workspace, and a request body where it takes one. */
const WORKSPACE_ROUTES: Array<[method: 'GET' | 'POST', path: string, body?: unknown]> = [
  ['POST', '/ai/jobs', { action: 'echo' }],
  ['GET', '/ai/jobs'],
  ['GET', `/ai/jobs/${SOME_ID}`],
  ['POST', `/ai/jobs/${SOME_ID}/cancel`],
  ['POST', `/ai/jobs/${SOME_ID}/retry`],
  ['GET', `/ai/jobs/${SOME_ID}/events`],
  ['GET', '/ai/events'],
];

describe('workspace identity headers', () => {
  let service: JobsService;
  const caller = createCaller();

  beforeAll(async () => {
    service = await startJobsService();
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  const cases: Array<[string, Record<string, string | string[]>, string[]]> = [
    ['no headers', {}, ['headers.x-actor-id', 'headers.x-workspace-id']],
    ['no X-Actor-Id', { 'x-workspace-id': 'ws-1' }, ['headers.x-actor-id']],
    ['an empty X-Workspace-Id', { 'x-workspace-id': '', 'x-actor-id': 'a' }, ['headers.x-workspace-id']],
    ['a 65-character X-Workspace-Id', { 'x-workspace-id': 'w'.repeat(65), 'x-actor-id': 'a' }, ['headers.x-workspace-id']],
    ['a space in X-Workspace-Id', { 'x-workspace-id': 'ws 1', 'x-actor-id': 'a' }, ['headers.x-workspace-id']],
    ['a colon in X-Workspace-Id (a key separator)', { 'x-workspace-id': 'ws:1', 'x-actor-id': 'a' }, ['headers.x-workspace-id']],
    ['braces in X-Actor-Id', { 'x-workspace-id': 'ws-1', 'x-actor-id': '{a}' }, ['headers.x-actor-id']],
  ];

  for (const [method, path, body] of WORKSPACE_ROUTES) {
    it.each(cases)(`${method} ${path.replace(SOME_ID, ':id')} answers 400 naming the header for %s`, async (_case, headers, fields) => {
      const res = await caller.call(`${service.url}${path}`, { method, body, headers });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
      expect(details(res.json)).toEqual(fields);
    });
  }

  it('accepts 64 characters of A-Z a-z 0-9 . _ - in X-Workspace-Id and : in X-Actor-Id', async () => {
    const workspace = `W${'a'.repeat(60)}._-`;
    const res = await caller.call(`${service.url}/ai/jobs`, { headers: { 'x-workspace-id': workspace, 'x-actor-id': 'user:42.b_c-d' } });
    expect(res.status).toBe(200);
  });
});

describe('workspace isolation: B never sees or touches A’s jobs', () => {
  let service: JobsService;
  const caller = createCaller();
  let pendingA: Json;
  let deadA: Json;
  const asB = () => service.as('ws-b', 'mallory');

  beforeAll(async () => {
    service = await startJobsService();
    const submit = (body: Json) => caller.call(`${service.url}/ai/jobs`, { body, headers: service.as('ws-a') });
    pendingA = (await submit({ action: 'secret.action', params: { secret: 'a-params' }, client_request_id: 'a-key' })).json;
    deadA = (await submit({ action: 'echo', max_attempts: 1 })).json;
    const lease = await service.claim(deadA as { workspace_id: string; job_id: string });
    await service.store.fail(lease, { code: 'BOOM', message: 'no' }, { retryable: false });
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  const expectNotFound = (res: { status: number; json: Json; text: string }) => {
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ success: false, error: { code: 'NOT_FOUND', message: 'job not found' } });
    expect(res.text).not.toContain('secret');
    expect(res.text).not.toContain('ws-a');
  };

  it('GET /ai/jobs/:id answers 404 with none of the job’s data', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${pendingA.job_id as string}`, { headers: asB() }));
  });

  it('GET /ai/jobs lists nothing of A, whatever the status filter', async () => {
    for (const query of ['', '?status=pending', '?status=dead']) {
      const res = await caller.call(`${service.url}/ai/jobs${query}`, { headers: asB() });
      expect(res.json).toEqual({ jobs: [], next_cursor: null });
    }
  });

  it('POST /ai/jobs/:id/cancel answers 404 and leaves the job pending', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${pendingA.job_id as string}/cancel`, { method: 'POST', headers: asB() }));
    expect((await service.store.get('ws-a', pendingA.job_id as string))?.status).toBe('pending');
  });

  it('POST /ai/jobs/:id/retry answers 404 and leaves the job dead', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${deadA.job_id as string}/retry`, { method: 'POST', headers: asB() }));
    expect((await service.store.get('ws-a', deadA.job_id as string))?.status).toBe('dead');
  });

  it('the same idempotency key in B makes B its own job instead of returning A’s', async () => {
    const res = await caller.call(`${service.url}/ai/jobs`, { body: { action: 'secret.action', params: { secret: 'a-params' }, client_request_id: 'a-key' }, headers: asB() });
    expect(res.status).toBe(202);
    expect(res.json.job_id).not.toBe(pendingA.job_id);
    await caller.call(`${service.url}/ai/jobs/${res.json.job_id as string}/cancel`, { method: 'POST', headers: asB() });
  });

  it('GET /ai/jobs/:id/events answers 404 and opens no stream', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${pendingA.job_id as string}/events`, { headers: asB() }));
    expect(await service.streamConnections()).toBe(0);
  });

  it('GET /ai/events streams none of A’s events', async () => {
    const stream = await openSse(`${service.url}/ai/events`, asB());
    try {
      expect(stream.status).toBe(200);
      await service.store.complete(await service.claim(pendingA as { workspace_id: string; job_id: string }), { secret: 'result' });
      // B's own job is the barrier: its event comes after A's changes were written.
      const own = (await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: asB() })).json;
      await stream.waitFor((s) => s.parsed().some((e) => e.data.job_id === own.job_id), 'B’s own event');
      const seen = stream.parsed().map((e) => e.data.job_id);
      expect(seen).not.toContain(pendingA.job_id);
      expect(seen).not.toContain(deadA.job_id);
    } finally {
      stream.close();
    }
  });
});
