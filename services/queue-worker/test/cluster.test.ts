/**
 * The worker on a real 3-node Redis Cluster: claims from every partition (each on its node),
 * wake-ups and cancels over cluster pub/sub, retries and the DLQ.
 */
import type { Cluster } from 'ioredis';
import { startRedisCluster } from '@opsconductor/jobs/testing';
import type { RedisClusterHandle } from '@opsconductor/jobs/testing';
import { createWorld, waitForStatus } from './harness';

let cluster: RedisClusterHandle;
let client: Cluster;
let world: Awaited<ReturnType<typeof createWorld>>;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
  world = await createWorld({ redis: client });
  await world.startWorker({ concurrency: 3 });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await cluster?.stop();
}, 30_000);

it('runs jobs of workspaces spread over every node', async () => {
  const jobs = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      world.store.enqueue({ workspace_id: `ws-${i}`, actor_id: 'u', action: 'echo', params: { input: `c${i}` } }).then((r) => r.job),
    ),
  );
  const done = await Promise.all(jobs.map((j) => waitForStatus(world.store, j, 'completed')));
  expect(done.map((j) => j.result)).toEqual(jobs.map((_, i) => `c${i}`));
});

it('cancels a running job through cluster pub/sub within a second', async () => {
  const { job } = await world.store.enqueue({ workspace_id: 'ws-cancel', actor_id: 'u', action: 'echo', params: { delay_ms: 20_000 } });
  await waitForStatus(world.store, job, 'running');
  const asked = Date.now();
  await world.store.cancel('ws-cancel', job.job_id);
  await waitForStatus(world.store, job, 'cancelled', 2000);
  expect(Date.now() - asked).toBeLessThan(1500);
});

it('dead-letters a permanent failure into the DLQ, listed across all nodes', async () => {
  const { job } = await world.store.enqueue({ workspace_id: 'ws-dlq', actor_id: 'u', action: 'no.such.tool' });
  await waitForStatus(world.store, job, 'dead');
  const page = await world.store.listDead({ limit: 10 });
  expect(page.jobs.map((j) => j.job_id)).toContain(job.job_id);
});
