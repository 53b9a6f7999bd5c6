import { waitFor } from '@opsconductor/mesh';
import { createWorld, waitForStatus } from './harness';

describe('queue-worker', () => {
  let world: Awaited<ReturnType<typeof createWorld>>;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(() => world.close());

  it('runs a job through ai-pipeline and stores its result', async () => {
    await world.startWorker();
    const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { input: 'ping' } });
    const done = await waitForStatus(world.store, job, 'completed');
    expect(done).toMatchObject({ result: 'pong', attempts: 1, error: null });
    expect(done.finished_at).not.toBeNull();
  });

  it('claims nothing while actions are disabled (the kill switch), yet keeps maintaining the queue', async () => {
    await world.startWorker({ actionsEnabled: false, maintenanceMs: 50 });
    const { job } = await world.store.enqueue({ workspace_id: 'ws-k', actor_id: 'u1', action: 'echo', params: { input: 'ping' } });
    // A lease that expires at once: only the worker's maintenance can put the job back, and
    // that wakes every slot; with actions disabled none claims it.
    const lease = await world.store.claim(world.store.partitionOf('ws-k'), { workerId: 'other', leaseMs: 1 });
    expect(lease?.job_id).toBe(job.job_id);
    await waitForStatus(world.store, job, 'pending', 3000);
    const second = await world.store.enqueue({ workspace_id: 'ws-k', actor_id: 'u1', action: 'echo', params: { input: 'ping' } });
    await world.startWorker();
    await waitForStatus(world.store, second.job, 'completed');
    await waitForStatus(world.store, job, 'completed');
  });

  it('picks up a job enqueued while idle without waiting for a poll', async () => {
    await world.startWorker();
    // The safety-net wait of an idle slot is 5 s; only the wake-up message can make this fast.
    const started = Date.now();
    const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { input: 'hello' } });
    await waitForStatus(world.store, job, 'completed', 3000);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('passes the action as the tool and the rest of params as its params', async () => {
    await world.startWorker();
    const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { delay_ms: 1 } });
    // No input given: the action name is the input, echoed back.
    expect((await waitForStatus(world.store, job, 'completed')).result).toBe('echo');
  });

  it('dead-letters at once an error the pipeline calls permanent', async () => {
    await world.startWorker();
    const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'no.such.tool', params: {} });
    const dead = await waitForStatus(world.store, job, 'dead');
    expect(dead.attempts).toBe(1);
    expect(dead.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('cancels a running job within a second and ends it cancelled', async () => {
    await world.startWorker();
    const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { delay_ms: 20_000 } });
    await waitForStatus(world.store, job, 'running');
    const asked = Date.now();
    const { outcome } = await world.store.cancel('ws-a', job.job_id);
    expect(outcome).toBe('cancelling');
    await waitForStatus(world.store, job, 'cancelled', 2000);
    expect(Date.now() - asked).toBeLessThan(1500);
  });

  it('gives running jobs back to the queue when the grace period ends', async () => {
    const app = await world.startWorker();
    const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { delay_ms: 20_000 } });
    await waitForStatus(world.store, job, 'running');
    await app.worker.stop(100);
    const back = await world.store.get('ws-a', job.job_id);
    expect(back?.status).toBe('pending');
  });

  it('gives back a job it leased with a completion when it is stopping', async () => {
    const app = await world.startWorker({ concurrency: 1 });
    const { job: first } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { delay_ms: 300 } });
    await waitForStatus(world.store, first, 'running');
    const { job: second } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { input: 'later' } });
    // The first job ends inside the grace period; its completion leases the second, which
    // the stopping slot must hand back rather than run or keep.
    await app.worker.stop(5000);
    expect((await world.store.get('ws-a', first.job_id))?.status).toBe('completed');
    expect(await world.store.get('ws-a', second.job_id)).toMatchObject({ status: 'pending', lease_token: null });
  });

  it('stops the heartbeat of a run whose store call failed, so the lease expires and the job runs again', async () => {
    const app = await world.startWorker({ concurrency: 1, leaseMs: 6000 });
    const { job } = await world.store.enqueue({ workspace_id: 'ws-broken', actor_id: 'u1', action: 'echo', params: { input: 'again', delay_ms: 200 } });
    await waitForStatus(world.store, job, 'running');
    // An unreadable record makes every script on the job fail before it writes anything, as a
    // store gone away would: complete and fail throw, and the run ends without an outcome.
    const recordKey = world.store.keys.job('ws-broken', job.job_id);
    const record = (await world.redis.get(recordKey)) as string;
    await world.redis.set(recordKey, 'unreadable');
    await waitFor('the run to crash', async () => app.worker.running === 0, { timeoutMs: 5000 });
    await world.redis.set(recordKey, record);
    // Nothing extends its lease any more: the reaper takes the job back and it runs again.
    const done = await waitForStatus(world.store, job, 'completed', 15_000);
    expect(done).toMatchObject({ result: 'again', attempts: 2 });
    const metrics = (await app.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('ai_queue_workers{service="queue-worker",version="dev"} 0');
  });

  it('shares work between workers without running a job twice', async () => {
    await world.startWorker({ concurrency: 3 });
    await world.startWorker({ concurrency: 3 });
    const jobs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        world.store.enqueue({ workspace_id: `ws-${i % 5}`, actor_id: 'u1', action: 'echo', params: { input: `n${i}` } }).then((r) => r.job),
      ),
    );
    const done = await Promise.all(jobs.map((j) => waitForStatus(world.store, j, 'completed', 20_000)));
    expect(done.map((j) => j.attempts)).toEqual(jobs.map(() => 1));
    expect(done.map((j) => j.result)).toEqual(jobs.map((_, i) => `n${i}`));
  });
});

describe('queue-worker with ai-pipeline unreachable', () => {
  it('retries with backoff, then dead-letters the job with the last error', async () => {
    const world = await createWorld({ pipelineUrl: 'http://127.0.0.1:9' });
    try {
      await world.startWorker();
      const { job } = await world.store.enqueue({ workspace_id: 'ws-a', actor_id: 'u1', action: 'echo', params: { input: 'ping' }, max_attempts: 3 });
      const dead = await waitForStatus(world.store, job, 'dead', 10_000);
      expect(dead.attempts).toBe(3);
      expect(dead.error).toMatchObject({ code: 'BAD_GATEWAY', message: 'AI Pipeline is unreachable' });
    } finally {
      await world.close();
    }
  });
});
