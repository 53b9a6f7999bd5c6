import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { createHttpApp, createLogger, createMetrics } from '@opsconductor/kit';
import { createJobStore } from '@opsconductor/jobs';
import type { ClaimedJob, JobStore } from '@opsconductor/jobs';
import { eventReaderFactory } from '../src/jobs/event-reader';
import { registerJobEventRoutes } from '../src/routes/job-events';
import { REDIS_URL, deleteKeys, randomPrefix } from './jobs-service';
import { openSse } from '@opsconductor/kit/testing';

/**
 * A fresh job stream reads the newest event id, then the job for its snapshot. A change that
 * lands between the two is in the snapshot and also after that id; it must be sent once.
 * The store's get() here lets a worker claim the job right before it answers.
 */
describe('a change racing the snapshot of a fresh job stream', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = randomPrefix();
  const store = createJobStore({ redis, prefix, partitions: 1 });
  const app = createHttpApp({ service: 'race-test', logger: createLogger({ service: 'race-test', level: 'silent' }), metrics: createMetrics({ service: 'race-test' }) });
  let lease: ClaimedJob | null | undefined;
  const racingStore: JobStore = {
    ...store,
    async get(ws, id) {
      lease ??= await store.claim(0, { workerId: 'w', leaseMs: 60_000 });
      return store.get(ws, id);
    },
  };
  // The identity the auth hook would set from an API key; this test is about the race only.
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (request) => {
    request.caller = { workspaceId: 'ws-race', actorId: 'a', scopes: ['actions:preview'], keyId: 'test' };
  });
  registerJobEventRoutes(app, {
    store: racingStore,
    redis,
    heartbeatMs: 60_000,
    openReader: eventReaderFactory(redis, { prefix, partitions: 1 }, `race:${prefix}`),
  });

  beforeAll(() => app.listen({ host: '127.0.0.1', port: 0 }));
  afterAll(async () => {
    await app.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('is sent once: in the snapshot, not again from the stream', async () => {
    const { job } = await store.enqueue({ workspace_id: 'ws-race', actor_id: 'a', action: 'echo' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ai/jobs/${job.job_id}/events`;
    const stream = await openSse(url, {});
    await stream.waitFor((s) => s.events.length > 0, 'the snapshot');
    expect(lease?.job_id).toBe(job.job_id);
    await store.complete(lease as ClaimedJob, null);
    await stream.end();
    expect(stream.events.map((e) => e.event)).toEqual(['running', 'completed']);
    expect(stream.parsed()[0]?.data).toMatchObject({ snapshot: true, attempts: 1 });
  });
});
