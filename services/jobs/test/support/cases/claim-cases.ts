import { CLOCK_START } from '../clock';
import { enqueueAndClaim, expectJobError, jobInput, workspacesInOnePartition } from '../fixtures';
import type { StoreCases } from '../store-harness';

export const claimCases: StoreCases = (h) => {
  describe('claim', () => {
    it('leases the job: running, attempts + 1, a lease token, started_at, a lease entry and an event', async () => {
      const { store, redis } = h();
      const { job } = await store.enqueue(jobInput('ws-a'));
      h().clock.advance(250);
      const claimed = await store.claim(store.partitionOf('ws-a'), { workerId: 'worker-7', leaseMs: 30_000 });
      expect(claimed).toMatchObject({
        job_id: job.job_id,
        status: 'running',
        attempts: 1,
        started_at: new Date(CLOCK_START + 250).toISOString(),
        lease_expires_at: new Date(CLOCK_START + 30_250).toISOString(),
        worker_id: 'worker-7',
      });
      expect(claimed?.lease_token).toMatch(/^1:[0-9a-f]{16}$/);
      expect(await redis.zscore(store.keys.leases(store.partitionOf('ws-a')), `ws-a|${job.job_id}`)).toBe(String(CLOCK_START + 30_250));
      expect(await store.queuePosition('ws-a', job.job_id)).toBeNull();
      expect((await store.events('ws-a')).map((e) => [e.status, e.prev])).toEqual([['pending', null], ['running', 'pending']]);
      expect(await store.depth()).toMatchObject({ pending: 0, running: 1 });
    });

    it('returns null when the partition has nothing ready', async () => {
      const { store } = h();
      await store.enqueue(jobInput('ws-a'));
      const other = (store.partitionOf('ws-a') + 1) % store.partitions;
      expect(await store.claim(other, { workerId: 'w', leaseMs: 1000 })).toBeNull();
      await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 });
      expect(await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 })).toBeNull();
    });

    it('refuses a partition outside 0..partitions-1', async () => {
      const { store } = h();
      await expectJobError(store.claim(store.partitions, { workerId: 'w', leaseMs: 1000 }), 'VALIDATION_ERROR');
      await expectJobError(store.claim(-1, { workerId: 'w', leaseMs: 1000 }), 'VALIDATION_ERROR');
    });

    it('serves the highest priority first and FIFO inside a priority, across workspaces', async () => {
      const { store, clock } = h();
      const [a, b] = workspacesInOnePartition(store, 2);
      const submitted: Array<[string, number]> = [
        [a as string, 5], [b as string, 5], [a as string, 9], [b as string, 0], [b as string, 9], [a as string, 5],
      ];
      const ids: string[] = [];
      for (const [ws, priority] of submitted) {
        clock.advance(1);
        ids.push((await store.enqueue(jobInput(ws, { priority }))).job.job_id);
      }
      const order: string[] = [];
      for (;;) {
        const claimed = await store.claim(store.partitionOf(a as string), { workerId: 'w', leaseMs: 1000 });
        if (!claimed) break;
        order.push(claimed.job_id);
      }
      expect(order).toEqual([ids[2], ids[4], ids[0], ids[1], ids[5], ids[3]]);
    });

    it('keeps FIFO for jobs enqueued in the same millisecond (UUID v7 ids are monotonic)', async () => {
      const { store } = h();
      const first = await store.enqueue(jobInput('ws-a'));
      const second = await store.enqueue(jobInput('ws-a'));
      expect(await store.queuePosition('ws-a', first.job.job_id)).toBe(1);
      expect(await store.queuePosition('ws-a', second.job.job_id)).toBe(2);
    });
  });

  describe('extendLease', () => {
    it('pushes the lease expiry out for the holder and reports no cancel', async () => {
      const { store, clock } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a', {}, 1000);
      clock.advance(800);
      const extended = await store.extendLease(claimed, 5000);
      expect(extended).toEqual({ lease_expires_at: new Date(CLOCK_START + 5800).toISOString(), cancel_requested: false });
      clock.advance(4000);
      expect(await store.reap(store.partitionOf('ws-a'))).toEqual({ requeued: 0, dead: 0, cancelled: 0 });
    });

    it('reports a requested cancel to the holder', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.cancel('ws-a', claimed.job_id);
      await expect(store.extendLease(claimed, 1000)).resolves.toMatchObject({ cancel_requested: true });
    });

    it('refuses a wrong token and an unknown job with LEASE_LOST', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await expectJobError(store.extendLease({ ...claimed, lease_token: '1:0000000000000000' }, 1000), 'LEASE_LOST', 'running');
      await expectJobError(store.extendLease({ ...claimed, job_id: 'no-such-job' }, 1000), 'LEASE_LOST');
    });
  });

  describe('reap', () => {
    it('puts a job whose lease expired back to pending, attempt counted, old holder fenced off', async () => {
      const { store, clock } = h();
      const p = store.partitionOf('ws-a');
      const first = await enqueueAndClaim(store, 'ws-a', {}, 1000);
      clock.advance(999);
      expect(await store.reap(p)).toEqual({ requeued: 0, dead: 0, cancelled: 0 });
      clock.advance(1);
      expect(await store.reap(p)).toEqual({ requeued: 1, dead: 0, cancelled: 0 });
      const again = await store.get('ws-a', first.job_id);
      expect(again).toMatchObject({ status: 'pending', attempts: 1, lease_token: null });
      expect((await store.events('ws-a')).at(-1)).toMatchObject({ status: 'pending', prev: 'running', reason: 'lease_expired' });

      const second = await store.claim(p, { workerId: 'w2', leaseMs: 1000 });
      expect(second).toMatchObject({ job_id: first.job_id, attempts: 2 });
      expect(second?.lease_token).not.toBe(first.lease_token);
      await expectJobError(store.complete(first, { late: true }), 'LEASE_LOST', 'running');
      await expectJobError(store.fail(first, { code: 'X', message: 'late' }, { retryable: true }), 'LEASE_LOST');
      await expectJobError(store.extendLease(first, 1000), 'LEASE_LOST');
      await expect(store.complete(second as NonNullable<typeof second>, { ok: true })).resolves.toMatchObject({ status: 'completed', result: { ok: true } });
    });

    it('sends a job whose attempts are used up to dead with LEASE_EXPIRED', async () => {
      const { store, clock } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a', { max_attempts: 1 }, 1000);
      clock.advance(1000);
      expect(await store.reap(store.partitionOf('ws-a'))).toEqual({ requeued: 0, dead: 1, cancelled: 0 });
      expect(await store.get('ws-a', claimed.job_id)).toMatchObject({ status: 'dead', error: { code: 'LEASE_EXPIRED' } });
      expect((await store.listDead()).jobs.map((j) => j.job_id)).toEqual([claimed.job_id]);
      expect(await store.depth()).toMatchObject({ running: 0, dead: 1 });
    });

    it('reads the reaped jobs back when asked (for the audit), each as it now is', async () => {
      const { store, clock } = h();
      const p = store.partitionOf('ws-a');
      const retried = await enqueueAndClaim(store, 'ws-a', {}, 1000);
      const last = await enqueueAndClaim(store, 'ws-a', { max_attempts: 1 }, 1000);
      clock.advance(1000);
      const result = await store.reap(p, { withJobs: true });
      expect(result).toMatchObject({ requeued: 1, dead: 1, cancelled: 0 });
      const byId = new Map(result.jobs?.map((j) => [j.job_id, j]));
      expect(byId.size).toBe(2);
      expect(byId.get(retried.job_id)).toMatchObject({ status: 'pending', actor_id: retried.actor_id });
      expect(byId.get(last.job_id)).toMatchObject({ status: 'dead', error: { code: 'LEASE_EXPIRED' } });
      expect(await store.reap(p, { withJobs: true })).toEqual({ requeued: 0, dead: 0, cancelled: 0, jobs: [] });
    });

    it('cancels a job whose cancel was requested before its lease expired', async () => {
      const { store, clock } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a', {}, 1000);
      await store.cancel('ws-a', claimed.job_id);
      clock.advance(1000);
      expect(await store.reap(store.partitionOf('ws-a'))).toEqual({ requeued: 0, dead: 0, cancelled: 1 });
      expect(await store.get('ws-a', claimed.job_id)).toMatchObject({ status: 'cancelled' });
    });

    it('handles at most `limit` jobs per call', async () => {
      const { store, clock } = h();
      for (let i = 0; i < 3; i++) await enqueueAndClaim(store, 'ws-a', {}, 1000);
      clock.advance(1000);
      expect(await store.reap(store.partitionOf('ws-a'), { limit: 2 })).toMatchObject({ requeued: 2 });
      expect(await store.reap(store.partitionOf('ws-a'), { limit: 2 })).toMatchObject({ requeued: 1 });
    });
  });

  describe('release', () => {
    it('gives a running job back at once without counting the attempt', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await expect(store.release(claimed)).resolves.toMatchObject({ status: 'pending', attempts: 0, lease_token: null });
      await expectJobError(store.complete(claimed, null), 'LEASE_LOST', 'pending');
      await expect(store.claim(store.partitionOf('ws-a'), { workerId: 'w2', leaseMs: 1000 })).resolves.toMatchObject({ attempts: 1 });
    });
  });
};
