/**
 * The jobs API on a real 3-node Redis Cluster: the routes, the per-workspace listing and the
 * event streams (blocking reads on their own cluster connections) work unchanged.
 */
import type { Cluster } from 'ioredis';
import { createJobStore } from '@opsconductor/jobs';
import type { JobStore } from '@opsconductor/jobs';
import { startRedisCluster } from '@opsconductor/jobs/testing';
import type { RedisClusterHandle } from '@opsconductor/jobs/testing';
import { openSse } from '@opsconductor/kit/testing';
import { closedPort, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

const STORE = { prefix: 'cl', partitions: 4 };
const AS = (ws: string) => service.keyFor(ws, 'alice');
const JSON_AS = async (ws: string) => ({ ...(await AS(ws)), 'content-type': 'application/json' });

let cluster: RedisClusterHandle;
let client: Cluster;
let service: ServiceUnderTest;
let store: JobStore;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
  service = await startService({
    pipelineUrl: `http://127.0.0.1:${await closedPort()}`,
    jobs: { redis: client, store: STORE, sseHeartbeatMs: 60_000 },
  });
  store = createJobStore({ ...STORE, redis: client });
}, 60_000);

afterAll(async () => {
  await service?.close();
  await cluster?.stop();
}, 30_000);

it('submits, reads, lists and cancels jobs of workspaces on different nodes', async () => {
  const ids: Record<string, string> = {};
  for (const ws of ['ws-a', 'ws-b', 'ws-c', 'ws-d', 'ws-e']) {
    const res = await fetch(`${service.url}/ai/jobs`, { method: 'POST', headers: await JSON_AS(ws), body: JSON.stringify({ action: 'echo', params: { input: ws } }) });
    expect(res.status).toBe(202);
    ids[ws] = ((await res.json()) as { job_id: string }).job_id;
  }
  for (const [ws, id] of Object.entries(ids)) {
    const list = (await (await fetch(`${service.url}/ai/jobs`, { headers: await AS(ws) })).json()) as { jobs: Array<{ job_id: string }> };
    expect(list.jobs.map((j) => j.job_id)).toEqual([id]);
    const cancel = await fetch(`${service.url}/ai/jobs/${id}/cancel`, { method: 'POST', headers: await AS(ws) });
    expect(cancel.status).toBe(200);
  }
  expect(new Set(Object.keys(ids).map((ws) => store.partitionOf(ws))).size).toBeGreaterThan(1);
});

it('streams a job to its end over a blocking read on the cluster', async () => {
  const res = await fetch(`${service.url}/ai/jobs`, { method: 'POST', headers: await JSON_AS('ws-stream'), body: JSON.stringify({ action: 'echo' }) });
  const { job_id: id } = (await res.json()) as { job_id: string };
  const sse = await openSse(`${service.url}/ai/jobs/${id}/events`, await AS('ws-stream'));
  expect(sse.status).toBe(200);

  const claimed = await store.claim(store.partitionOf('ws-stream'), { workerId: 'test', leaseMs: 10_000 });
  expect(claimed?.job_id).toBe(id);
  await store.complete({ workspace_id: 'ws-stream', job_id: id, attempts: claimed!.attempts, lease_token: claimed!.lease_token }, 'done');

  await sse.end(5000);
  const statuses = sse.parsed().filter((e) => e.event !== 'position').map((e) => e.data.status);
  expect(statuses.slice(-2)).toEqual(['running', 'completed']);
});
