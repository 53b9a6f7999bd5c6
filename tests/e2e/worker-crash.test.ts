/**
 * At-least-once delivery with a real crash: a queue-worker process is killed with SIGKILL in
 * the middle of a job; after its lease expires another worker process runs the job, and the
 * job completes exactly once. Nothing is lost.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createJobStore } from '@opsconductor/jobs';
import type { Job, JobStatus } from '@opsconductor/jobs';
import { ServiceProcess, freePort, httpOk, waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const LEASE_MS = 1500;

let testMesh: TestMesh;
let mesh: Mesh;
let redis: Redis;
let second: ServiceProcess | undefined;

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'crash', env: { JOB_LEASE_MS: String(LEASE_MS), QUEUE_MAINTENANCE_MS: '100' } });
  mesh = testMesh.mesh;
  redis = new Redis(mesh.urls.redis);
}, 90_000);

afterAll(async () => {
  await second?.stop();
  await redis?.quit();
  await testMesh?.stop();
}, 60_000);

async function statusOf(store: ReturnType<typeof createJobStore>, job: Job, status: JobStatus, timeoutMs: number): Promise<Job> {
  let seen: Job | null = null;
  await waitFor(`job ${status}`, async () => (seen = await store.get(job.workspace_id, job.job_id))?.status === status, { timeoutMs });
  return seen as unknown as Job;
}

it('completes a job exactly once after the worker running it is killed', async () => {
  const store = createJobStore({ redis, prefix: testMesh.prefix });
  const { job } = await store.enqueue({ workspace_id: 'ws-crash', actor_id: 'u1', action: 'echo', params: { input: 'survive', delay_ms: 1500 } });
  const running = await statusOf(store, job, 'running', 10_000);
  const first = mesh.services['queue-worker'];
  expect(running.worker_id).toContain(String(first.pid));

  process.kill(first.pid as number, 'SIGKILL');
  await first.waitForExit();

  // A second worker process, started only now: it can only get the job by reaping the dead lease.
  const port = await freePort();
  second = new ServiceProcess(
    { ...first.spec, name: 'queue-worker-2', env: { ...first.spec.env, METRICS_PORT: String(port) }, readyUrl: `http://127.0.0.1:${port}/ready` },
    { logDir: mesh.logDir },
    () => undefined,
  );
  second.start();
  await waitFor('second worker', () => httpOk(second!.spec.readyUrl), { timeoutMs: 20_000 });

  const done = await statusOf(store, job, 'completed', 20_000);
  expect(done.result).toBe('survive');
  expect(done.attempts).toBe(2);
  // The second worker ran it to the end; the killed one never recorded an end.
  const ended = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes(job.job_id) && l.includes('"job run ended"'))
      .map((l) => (JSON.parse(l) as { outcome: string }).outcome);
  // The worker logs the end after it has stored it, and the line reaches the log file through a
  // pipe: it may land a moment after the job reads completed.
  await waitFor('the second worker to log the end of the run', () => Promise.resolve(ended(second!.logFile).length > 0), { timeoutMs: 5_000 });
  expect(ended(second.logFile)).toEqual(['completed']);
  expect(ended(first.logFile)).toEqual([]);

  const statuses = (await store.events('ws-crash', { count: 100 })).filter((e) => e.job_id === job.job_id).map((e) => e.status);
  expect(statuses.filter((s) => s === 'completed')).toHaveLength(1);
  expect(statuses).toEqual(['pending', 'running', 'pending', 'running', 'completed']);
}, 60_000);
