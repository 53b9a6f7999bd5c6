import { createCaller } from './helpers';
import { startJobsService } from './jobs-service';
import type { JobsService } from './jobs-service';
import { openSse } from '@opsconductor/kit/testing';

type Json = Record<string, unknown>;
describe('workspace isolation: B never sees or touches A’s jobs', () => {
  let service: JobsService;
  const caller = createCaller();
  let pendingA: Json;
  let deadA: Json;
  const asB = () => service.as('ws-b', 'mallory');

  beforeAll(async () => {
    service = await startJobsService();
    const submit = async (body: Json) => caller.call(`${service.url}/ai/jobs`, { body, headers: (await service.as('ws-a')) });
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
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${pendingA.job_id as string}`, { headers: (await asB()) }));
  });

  it('GET /ai/jobs lists nothing of A, whatever the status filter', async () => {
    for (const query of ['', '?status=pending', '?status=dead']) {
      const res = await caller.call(`${service.url}/ai/jobs${query}`, { headers: (await asB()) });
      expect(res.json).toEqual({ jobs: [], next_cursor: null });
    }
  });

  it('POST /ai/jobs/:id/cancel answers 404 and leaves the job pending', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${pendingA.job_id as string}/cancel`, { method: 'POST', headers: (await asB()) }));
    expect((await service.store.get('ws-a', pendingA.job_id as string))?.status).toBe('pending');
  });

  it('POST /ai/jobs/:id/retry answers 404 and leaves the job dead', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${deadA.job_id as string}/retry`, { method: 'POST', headers: (await asB()) }));
    expect((await service.store.get('ws-a', deadA.job_id as string))?.status).toBe('dead');
  });

  it('the same idempotency key in B makes B its own job instead of returning A’s', async () => {
    const res = await caller.call(`${service.url}/ai/jobs`, { body: { action: 'secret.action', params: { secret: 'a-params' }, client_request_id: 'a-key' }, headers: (await asB()) });
    expect(res.status).toBe(202);
    expect(res.json.job_id).not.toBe(pendingA.job_id);
    await caller.call(`${service.url}/ai/jobs/${res.json.job_id as string}/cancel`, { method: 'POST', headers: (await asB()) });
  });

  it('GET /ai/jobs/:id/events answers 404 and opens no stream', async () => {
    expectNotFound(await caller.call(`${service.url}/ai/jobs/${pendingA.job_id as string}/events`, { headers: (await asB()) }));
    expect(await service.streamConnections()).toBe(0);
  });

  it('GET /ai/events streams none of A’s events', async () => {
    const stream = await openSse(`${service.url}/ai/events`, (await asB()));
    try {
      expect(stream.status).toBe(200);
      await service.store.complete(await service.claim(pendingA as { workspace_id: string; job_id: string }), { secret: 'result' });
      // B's own job is the barrier: its event comes after A's changes were written.
      const own = (await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: (await asB()) })).json;
      await stream.waitFor((s) => s.parsed().some((e) => e.data.job_id === own.job_id), 'B’s own event');
      const seen = stream.parsed().map((e) => e.data.job_id);
      expect(seen).not.toContain(pendingA.job_id);
      expect(seen).not.toContain(deadA.job_id);
    } finally {
      stream.close();
    }
  });
});
