import { Redis } from 'ioredis';
import { promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { closedPort, createCaller } from './helpers';
import { sample, startJobsService } from './jobs-service';

describe('GET /ready with the job store', () => {
  const caller = createCaller();
  let upstream: FakePipeline;

  beforeAll(async () => {
    upstream = await startFakePipeline();
  });
  afterAll(async () => {
    await caller.close();
    await upstream.close();
  });

  it('is 200 with a passing redis check while Redis answers PING', async () => {
    const service = await startJobsService({ pipelineUrl: upstream.url });
    try {
      const res = await caller.call(`${service.url}/ready`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ ready: true, checks: { ai_pipeline: { ok: true }, redis: { ok: true } } });
    } finally {
      await service.close();
    }
  });

  it('is 503 naming redis when the service cannot reach it', async () => {
    const unreachable = new Redis(`redis://127.0.0.1:${await closedPort()}`, { retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    unreachable.on('error', () => undefined);
    const service = await startJobsService({ pipelineUrl: upstream.url, appRedis: unreachable });
    try {
      const res = await caller.call(`${service.url}/ready`);
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ ready: false, checks: { ai_pipeline: { ok: true }, redis: { ok: false, error: expect.stringMatching(/^redis connection is /) } } });
    } finally {
      await service.close();
      unreachable.disconnect();
    }
  });
});

describe('while Redis is unreachable', () => {
  it('answers the jobs routes with 503 UNAVAILABLE and Retry-After, not 500 or a hang', async () => {
    const caller = createCaller();
    const unreachable = new Redis(`redis://127.0.0.1:${await closedPort()}`, { retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    unreachable.on('error', () => undefined);
    const service = await startJobsService({ appRedis: unreachable });
    try {
      const id = '0190a0a0-0000-7000-8000-000000000000';
      const answers = await Promise.all([
        caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: (await service.as('ws-down')) }),
        caller.call(`${service.url}/ai/jobs/${id}`, { headers: (await service.as('ws-down')) }),
        caller.call(`${service.url}/ai/jobs/${id}/events`, { headers: (await service.as('ws-down')) }),
        caller.call(`${service.url}/ai/queue/dlq`, { headers: (await service.as('ws-down')) }),
      ]);
      for (const res of answers) {
        expect(res.status).toBe(503);
        expect(res.json).toMatchObject({ success: false, error: { code: 'UNAVAILABLE', message: 'the job store is unavailable; retry later' } });
        expect(res.headers['retry-after']).toBe('1');
      }
      // Refusals that need no Redis keep their own answers.
      expect((await caller.call(`${service.url}/ai/jobs`, { body: {}, headers: (await service.as('ws-down')) })).status).toBe(400);
      expect((await caller.call(`${service.url}/ai/jobs/nope`, { headers: (await service.as('ws-down')) })).status).toBe(404);
    } finally {
      await caller.close();
      await service.close();
      unreachable.disconnect();
    }
  });
});

describe('ai_queue_enqueue_total', () => {
  it('counts new jobs by source, not idempotent replays, and passes promtool', async () => {
    const caller = createCaller();
    const service = await startJobsService();
    try {
      const submit = async (body: unknown) => caller.call(`${service.url}/ai/jobs`, { body, headers: (await service.as('ws-m')) });
      const a = (await submit({ action: 'echo', client_request_id: 'k' })).json;
      await submit({ action: 'echo', client_request_id: 'k' });
      await submit({ action: 'echo' });
      await service.store.fail(await service.claim(a as { workspace_id: string; job_id: string }), { code: 'X', message: 'x' }, { retryable: false });
      await caller.call(`${service.url}/ai/jobs/${a.job_id as string}/retry`, { method: 'POST', headers: (await service.as('ws-m')) });

      const { text } = await caller.call(`${service.metricsUrl}/metrics`);
      expect(sample(text, 'ai_queue_enqueue_total', { source: 'submit' })).toBe(2);
      expect(sample(text, 'ai_queue_enqueue_total', { source: 'retry' })).toBe(1);
      expect(sample(text, 'ai_queue_enqueue_total', { source: 'replay' })).toBe(0);
      expect(text).not.toContain('ws-m');
      await expect(promtoolCheckMetrics(text)).resolves.toBe('');
    } finally {
      await caller.close();
      await service.close();
    }
  });
});
