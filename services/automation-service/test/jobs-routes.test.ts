import { createCaller, UUID } from './helpers';
import { sample, startJobsService } from './jobs-service';
import type { JobsService } from './jobs-service';

type Json = Record<string, unknown>;
const details = (json: Json) => ((json.error as { details?: Array<{ field: string; message: string }> }).details ?? []).map((d) => d.field);

describe('jobs API', () => {
  let service: JobsService;
  const caller = createCaller();
  let n = 0;
  let ws: string;
  const submit = async (body: unknown, headers: Record<string, string> = {}, workspace = ws) =>
    caller.call(`${service.url}/ai/jobs`, { body, headers: { ...(await service.as(workspace)), ...headers } });
  const get = async (path: string, workspace = ws) => caller.call(`${service.url}${path}`, { headers: (await service.as(workspace)) });
  const post = async (path: string, workspace = ws) => caller.call(`${service.url}${path}`, { method: 'POST', headers: (await service.as(workspace)) });

  beforeAll(async () => {
    service = await startJobsService({ store: { maxPendingPerWorkspace: 3 } });
  });
  beforeEach(() => {
    ws = `ws-${++n}`;
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  describe('POST /ai/jobs', () => {
    it('answers 202 with the pending job, its location and the request trace id', async () => {
      const res = await submit({ action: 'echo', params: { input: 'ping' }, priority: 7 }, { 'x-trace-id': 'submit-trace-1' });
      expect(res.status).toBe(202);
      expect(Object.keys(res.json).slice(0, 5)).toEqual(['job_id', 'status', 'action', 'priority', 'created_at']);
      expect(res.json).toMatchObject({ status: 'pending', action: 'echo', priority: 7, params: { input: 'ping' }, attempts: 0, max_attempts: 5 });
      expect(res.json).toMatchObject({ workspace_id: ws, actor_id: 'actor-1', trace_id: 'submit-trace-1', cancel_requested: false });
      expect(res.json.job_id).toMatch(UUID);
      expect(new Date(res.json.created_at as string).toISOString()).toBe(res.json.created_at);
      expect(res.headers.location).toBe(`/ai/jobs/${res.json.job_id as string}`);
      // Worker-side fields never leave the service.
      for (const hidden of ['lease_token', 'body_hash', 'worker_id', 'trace']) expect(res.json).not.toHaveProperty(hidden);
      const stored = await service.store.get(ws, res.json.job_id as string);
      expect(stored?.trace).toMatchObject({ trace_id: 'submit-trace-1' });
    });

    it('defaults priority to 5 and params to {}, and takes max_attempts', async () => {
      const res = await submit({ action: 'gmail.send', max_attempts: 2 });
      expect(res.json).toMatchObject({ priority: 5, params: {}, max_attempts: 2 });
    });

    it.each([
      ['action is missing', {}, ['body.action']],
      ['action is not an action name', { action: 'Send Mail' }, ['body.action']],
      ['priority is out of range', { action: 'echo', priority: 10 }, ['body.priority']],
      ['priority is not an integer', { action: 'echo', priority: 1.5 }, ['body.priority']],
      ['max_attempts is out of range', { action: 'echo', max_attempts: 11 }, ['body.max_attempts']],
      ['params is not an object', { action: 'echo', params: [1] }, ['body.params']],
      ['client_request_id has spaces', { action: 'echo', client_request_id: 'a b' }, ['body.client_request_id']],
    ])('answers 400 naming the field when %s', async (_case, body, fields) => {
      const res = await submit(body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
      expect(details(res.json)).toEqual(fields);
    });

    it('refuses unknown fields', async () => {
      const res = await submit({ action: 'echo', workspace_id: 'other' });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ details: [{ field: 'body', message: expect.stringContaining('workspace_id') }] });
    });

    it('answers 429 RATE_LIMITED with Retry-After once the workspace has MAX_PENDING_PER_WORKSPACE pending jobs', async () => {
      for (let i = 0; i < 3; i++) expect((await submit({ action: 'echo' })).status).toBe(202);
      const res = await submit({ action: 'echo' });
      expect(res.status).toBe(429);
      expect(res.json).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // The cap is per workspace.
      expect((await submit({ action: 'echo' }, {}, `${ws}-other`)).status).toBe(202);
    });
  });

  describe('idempotent submission', () => {
    it('returns the same job with 200 for the same client_request_id, and counts one enqueue', async () => {
      const metric = async () => sample((await caller.call(`${service.metricsUrl}/metrics`)).text, 'ai_queue_enqueue_total', { source: 'submit' });
      const before = await metric();
      const first = await submit({ action: 'echo', params: { a: 1 }, client_request_id: 'req-1' });
      const again = await submit({ action: 'echo', params: { a: 1 }, client_request_id: 'req-1' });
      expect(first.status).toBe(202);
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);
      expect(before).toEqual(expect.any(Number));
      expect(await metric()).toBe((before as number) + 1);
    });

    it('accepts the key as an Idempotency-Key header, the same as client_request_id', async () => {
      const first = await submit({ action: 'echo' }, { 'idempotency-key': 'hdr-1' });
      const asBody = await submit({ action: 'echo', client_request_id: 'hdr-1' });
      const both = await submit({ action: 'echo', client_request_id: 'hdr-1' }, { 'idempotency-key': 'hdr-1' });
      expect(first.status).toBe(202);
      expect(first.json.client_request_id).toBe('hdr-1');
      expect([asBody.status, both.status]).toEqual([200, 200]);
      expect(asBody.json.job_id).toBe(first.json.job_id);
      expect(both.json.job_id).toBe(first.json.job_id);
    });

    it('answers 400 when the header and client_request_id differ, or the header is malformed', async () => {
      const differ = await submit({ action: 'echo', client_request_id: 'one' }, { 'idempotency-key': 'two' });
      expect(differ.status).toBe(400);
      expect(details(differ.json)).toEqual(['body.client_request_id']);
      const bad = await submit({ action: 'echo' }, { 'idempotency-key': 'x'.repeat(256) });
      expect(bad.status).toBe(400);
      expect(details(bad.json)).toEqual(['headers.idempotency-key']);
    });

    it('keeps the same key in another workspace independent', async () => {
      const a = await submit({ action: 'echo', client_request_id: 'shared' });
      const b = await submit({ action: 'echo', client_request_id: 'shared' }, {}, `${ws}-b`);
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(b.json.job_id).not.toBe(a.json.job_id);
      expect(b.json.workspace_id).toBe(`${ws}-b`);
    });

    it('answers 409 CONFLICT for the same key with a different body, and creates nothing', async () => {
      const first = await submit({ action: 'echo', params: { a: 1 }, client_request_id: 'req-x' });
      const other = await submit({ action: 'echo', params: { a: 2 }, client_request_id: 'req-x' });
      expect(other.status).toBe(409);
      expect(other.json).toMatchObject({ success: false, error: { code: 'CONFLICT' } });
      const list = await get('/ai/jobs');
      expect((list.json.jobs as Json[]).map((j) => j.job_id)).toEqual([first.json.job_id]);
    });
  });

  describe('GET /ai/jobs/:id', () => {
    it('answers the job of the caller’s workspace', async () => {
      const job = (await submit({ action: 'echo' })).json;
      const res = await get(`/ai/jobs/${job.job_id as string}`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual(job);
    });

    it.each([
      ['an unknown id', '0190a0a0-0000-7000-8000-000000000000'],
      ['a malformed id', 'not-a-job'],
      ['an id with key syntax in it', 'x:job:*'],
    ])('answers 404 NOT_FOUND for %s', async (_case, id) => {
      const res = await get(`/ai/jobs/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ success: false, error: { code: 'NOT_FOUND', message: 'job not found' } });
    });
  });

  describe('POST /ai/jobs/:id/cancel', () => {
    it('cancels a pending job at once (200)', async () => {
      const job = (await submit({ action: 'echo' })).json;
      const res = await post(`/ai/jobs/${job.job_id as string}/cancel`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ job_id: job.job_id, status: 'cancelled' });
      expect(res.json.finished_at).not.toBeNull();
      expect(await service.store.queuePosition(ws, job.job_id as string)).toBeNull();
    });

    it('asks the worker to stop a running job (202, still running, cancel requested)', async () => {
      const job = (await submit({ action: 'echo' })).json;
      await service.claim(job as { workspace_id: string; job_id: string });
      const res = await post(`/ai/jobs/${job.job_id as string}/cancel`);
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ status: 'running', cancel_requested: true });
    });

    it('answers 409 CONFLICT for a finished job', async () => {
      const job = (await submit({ action: 'echo' })).json;
      await service.store.complete(await service.claim(job as { workspace_id: string; job_id: string }), { output: 'pong' });
      const res = await post(`/ai/jobs/${job.job_id as string}/cancel`);
      expect(res.status).toBe(409);
      expect(res.json).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('completed') } });
    });

    it('answers 404 for an unknown or malformed id', async () => {
      expect((await post('/ai/jobs/0190a0a0-0000-7000-8000-000000000000/cancel')).status).toBe(404);
      expect((await post('/ai/jobs/nope/cancel')).status).toBe(404);
    });
  });

  describe('POST /ai/jobs/:id/retry', () => {
    const deadJob = async (): Promise<Json> => {
      const job = (await submit({ action: 'echo', max_attempts: 1 })).json;
      const lease = await service.claim(job as { workspace_id: string; job_id: string });
      await service.store.fail(lease, { code: 'BOOM', message: 'failed for good' }, { retryable: false });
      return job;
    };

    it('puts a dead job back to pending (202), attempts reset', async () => {
      const job = await deadJob();
      expect((await get(`/ai/jobs/${job.job_id as string}`)).json).toMatchObject({ status: 'dead', attempts: 1 });
      const res = await post(`/ai/jobs/${job.job_id as string}/retry`);
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ job_id: job.job_id, status: 'pending', attempts: 0 });
    });

    it('puts a failed job waiting for its retry back to pending at once', async () => {
      const job = (await submit({ action: 'echo', max_attempts: 3 })).json;
      const lease = await service.claim(job as { workspace_id: string; job_id: string });
      await service.store.fail(lease, { code: 'FLAKY', message: 'try again' }, { retryable: true });
      expect((await get(`/ai/jobs/${job.job_id as string}`)).json.status).toBe('failed');
      const res = await post(`/ai/jobs/${job.job_id as string}/retry`);
      expect(res.status).toBe(202);
      expect(res.json.status).toBe('pending');
    });

    it('answers 409 for a job that is neither failed nor dead, 404 for an unknown one', async () => {
      const job = (await submit({ action: 'echo' })).json;
      const res = await post(`/ai/jobs/${job.job_id as string}/retry`);
      expect(res.status).toBe(409);
      expect(res.json).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('pending') } });
      expect((await post('/ai/jobs/0190a0a0-0000-7000-8000-000000000000/retry')).status).toBe(404);
    });
  });
});
