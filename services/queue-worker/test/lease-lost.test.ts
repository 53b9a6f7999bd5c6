/**
 * A running job erased by an admin (GDPR) while the worker holds it: the store answers every
 * lease call with LEASE_LOST, and the worker drops the job, writes no row for the attempt's
 * outcome, does not retry it, and goes on with the next.
 */
import type { Job } from '@opsconductor/jobs';
import { waitFor } from '@opsconductor/mesh';
import { workerStoreFor } from '../src/job-store-adapter';
import { eventsOf, useAuditDatabase, waitForAuditRows } from './audit-support';
import { createWorld, waitForStatus } from './harness';

type World = Awaited<ReturnType<typeof createWorld>>;

/**
 * What an erasure leaves of a running job for its worker: no record, and no lease for the
 * reaper to take back (the job store's erase does this in one script).
 */
async function eraseRunningJob(world: World, job: Job): Promise<void> {
  const { keys } = world.store;
  await world.redis.del(keys.job(job.workspace_id, job.job_id));
  await world.redis.zrem(keys.leases(keys.partitionOf(job.workspace_id)), keys.member(job.workspace_id, job.job_id));
}

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(() => world.close());

describe('the store adapter holding an erased job', () => {
  it('turns LEASE_LOST from every lease call into "not ours any more", never an error', async () => {
    const { job } = await world.store.enqueue({ workspace_id: 'ws-erase', actor_id: 'u1', action: 'echo' });
    const store = workerStoreFor(world.store, world.store.partitions);
    const claim = await store.claim(world.store.partitionOf('ws-erase'), { workerId: 'w', leaseMs: 10_000 });
    expect(claim?.job.job_id).toBe(job.job_id);
    if (!claim) return;
    await eraseRunningJob(world, job);

    await expect(store.extendLease(claim, 1000)).resolves.toEqual({ ok: false, cancelRequested: false });
    await expect(store.complete(claim, 'x')).resolves.toBe(false);
    await expect(store.completeAndClaim(claim, 'x', { workerId: 'w', leaseMs: 1000 })).resolves.toEqual({ ok: false, next: null });
    await expect(store.fail(claim, { code: 'BAD_GATEWAY', message: 'm' }, { retryable: true })).resolves.toBe('lease_lost');
    await expect(store.finishCancelled(claim)).resolves.toBe(false);
    await expect(store.release(claim)).resolves.toBeUndefined();
    // Nothing wrote the record back.
    expect(await world.store.get('ws-erase', job.job_id)).toBeNull();
  });
});

describe('the worker holding a job that is erased', () => {
  const audit = useAuditDatabase();

  it('drops it without retrying or recording an outcome, and runs the next job', async () => {
    const app = await world.startWorker({ concurrency: 1, auditWriter: audit.writer() });
    const metric = async (status: string): Promise<string | undefined> => {
      const body = (await app.http.inject({ method: 'GET', url: '/metrics' })).body;
      return new RegExp(`^worker_jobs_total\\{status="${status}",[^}]*\\} (\\d+)$`, 'm').exec(body)?.[1];
    };
    const { job: erased } = await world.store.enqueue({ workspace_id: 'ws-erase', actor_id: 'u1', action: 'echo', params: { delay_ms: 20_000 } });
    await waitForStatus(world.store, erased, 'running');
    await eraseRunningJob(world, erased);
    // The next heartbeat (≤ 1 s) hears LEASE_LOST and stops the run.
    await waitFor('the run to end as lease_lost', async () => (await metric('lease_lost')) === '1', { timeoutMs: 5000 });
    expect(app.worker.running).toBe(0);

    // The same (only) slot goes on with the next job.
    const { job: next } = await world.store.enqueue({ workspace_id: 'ws-erase', actor_id: 'u1', action: 'echo', params: { input: 'after' } });
    expect((await waitForStatus(world.store, next, 'completed')).result).toBe('after');
    expect(eventsOf(await waitForAuditRows(audit.db(), next.job_id, 2))).toEqual(['started', 'completed']);

    // The erased job: not retried, not written back, only the row of its start.
    await audit.writer().flush();
    expect(eventsOf(await waitForAuditRows(audit.db(), erased.job_id, 1))).toEqual(['started']);
    expect(await world.store.get('ws-erase', erased.job_id)).toBeNull();
    expect([await metric('retry'), await metric('dead'), await metric('completed')]).toEqual(['0', '0', '1']);
  });
});
