import { CLOCK_START } from '../clock';
import { enqueueAndClaim, expectJobError } from '../fixtures';
import type { StoreCases } from '../store-harness';

const boom = { code: 'TOOL_ERROR', message: 'the tool failed' };

export const finishCases: StoreCases = (h) => {
  describe('complete', () => {
    it('records the result: completed, finished_at, lease gone, event, counts', async () => {
      const { store, clock, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      clock.advance(1500);
      const done = await store.complete(claimed, { echoed: 'hi' });
      expect(done).toMatchObject({
        status: 'completed',
        result: { echoed: 'hi' },
        finished_at: new Date(CLOCK_START + 1500).toISOString(),
        lease_token: null,
        attempts: 1,
      });
      expect(await redis.zcard(store.keys.leases(store.partitionOf('ws-a')))).toBe(0);
      expect((await store.events('ws-a')).at(-1)).toMatchObject({ status: 'completed', prev: 'running' });
      expect(await store.depth()).toMatchObject({ pending: 0, running: 0, completed: 1 });
    });

    it('refuses to complete twice and to complete a job that does not exist (LEASE_LOST)', async () => {
      const { store, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.complete(claimed, 1);
      await expectJobError(store.complete(claimed, 2), 'LEASE_LOST', 'completed');
      await expectJobError(store.complete({ ...claimed, job_id: 'missing' }, 2), 'LEASE_LOST');
      expect(await redis.exists(store.keys.job('ws-a', 'missing'))).toBe(0);
      expect(await store.get('ws-a', claimed.job_id)).toMatchObject({ result: 1 });
    });

    it('puts a finished job record on a safety-net expiry past the retention', async () => {
      const { store, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.complete(claimed, null);
      const ttl = await redis.pttl(store.keys.job('ws-a', claimed.job_id));
      expect(ttl).toBeGreaterThan(180 * 86_400_000);
      expect(ttl).toBeLessThanOrEqual(187 * 86_400_000);
    });
  });

  describe('completeAndClaim', () => {
    it('completes the job and leases the next ready job of its partition in the same call', async () => {
      const { store, clock, redis } = h();
      const first = await enqueueAndClaim(store, 'ws-a');
      const { job: second } = await store.enqueue({ workspace_id: 'ws-a', actor_id: 'u', action: 'echo', params: { n: 2 } });
      clock.advance(10);
      const next = await store.completeAndClaim(first, 'done', { workerId: 'w-2', leaseMs: 5000 });
      expect(next).toMatchObject({ job_id: second.job_id, status: 'running', attempts: 1, worker_id: 'w-2', params: { n: 2 } });
      expect(next?.lease_token).toMatch(/^1:[0-9a-f]{16}$/);
      expect(await store.get('ws-a', first.job_id)).toMatchObject({ status: 'completed', result: 'done' });
      const p = store.partitionOf('ws-a');
      expect(await redis.zrange(store.keys.leases(p), '0', '-1')).toEqual([`ws-a|${second.job_id}`]);
      expect((await store.events('ws-a')).slice(-2).map((e) => e.status)).toEqual(['completed', 'running']);
      expect(await store.depth()).toMatchObject({ pending: 0, running: 1, completed: 1 });
    });

    it('answers null when nothing else is ready, and claims nothing when the lease was lost', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await expect(store.completeAndClaim(claimed, 1, { workerId: 'w', leaseMs: 5000 })).resolves.toBeNull();
      await store.enqueue({ workspace_id: 'ws-a', actor_id: 'u', action: 'echo', params: {} });
      await expectJobError(store.completeAndClaim(claimed, 2, { workerId: 'w', leaseMs: 5000 }), 'LEASE_LOST', 'completed');
      expect(await store.depth()).toMatchObject({ pending: 1, running: 0, completed: 1 });
    });
  });

  describe('fail', () => {
    it('schedules a retryable failure after its backoff: failed, retry_at, delayed, error kept', async () => {
      const { store, clock, redis, random } = h();
      random.value = 0.5;
      const claimed = await enqueueAndClaim(store, 'ws-a');
      clock.advance(100);
      const failed = await store.fail(claimed, boom, { retryable: true });
      // First retry: ceiling 1000 ms, jitter 0.5 → 500 ms.
      expect(failed).toMatchObject({ status: 'failed', error: boom, attempts: 1, lease_token: null, finished_at: null });
      expect(failed.retry_at).toBe(new Date(CLOCK_START + 600).toISOString());
      const p = store.partitionOf('ws-a');
      expect(await redis.zscore(store.keys.delayed(p), `ws-a|${claimed.job_id}`)).toBe(String(CLOCK_START + 600));
      expect((await store.events('ws-a')).at(-1)).toMatchObject({ status: 'failed', prev: 'running', error: boom });
      expect(await store.depth()).toMatchObject({ running: 0, failed: 1 });
    });

    it('keeps every retry delay within its jittered ceiling: 1 s, 5 s, 25 s, 125 s, then dead', async () => {
      const { store, clock, random } = h();
      const p = store.partitionOf('ws-a');
      const ceilings = [1000, 5000, 25_000, 125_000];
      let lease = await enqueueAndClaim(store, 'ws-a');
      for (const [i, ceiling] of ceilings.entries()) {
        random.value = i % 2 === 0 ? 0.999999 : 0;
        const failed = await store.fail(lease, boom, { retryable: true });
        const delay = Date.parse(failed.retry_at as string) - clock.now();
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        if (i % 2 === 0) expect(delay).toBe(ceiling - 1);
        clock.advance(delay);
        expect(await store.promote(p)).toBe(1);
        lease = (await store.claim(p, { workerId: 'w', leaseMs: 1000 })) as typeof lease;
        expect(lease.attempts).toBe(i + 2);
      }
      await expect(store.fail(lease, boom, { retryable: true })).resolves.toMatchObject({ status: 'dead', attempts: 5 });
    });

    it('sends a permanent failure straight to dead and into the DLQ', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      const dead = await store.fail(claimed, boom, { retryable: false });
      expect(dead).toMatchObject({ status: 'dead', error: boom, attempts: 1, retry_at: null });
      expect(dead.finished_at).not.toBeNull();
      expect((await store.listDead()).jobs.map((j) => j.job_id)).toEqual([claimed.job_id]);
      expect(await store.depth()).toMatchObject({ dead: 1, failed: 0 });
    });

    it('refuses a stale token with LEASE_LOST', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(claimed, boom, { retryable: true });
      await expectJobError(store.fail(claimed, boom, { retryable: true }), 'LEASE_LOST', 'failed');
    });
  });

  describe('promote', () => {
    it('moves a failed job back to pending only once its retry is due', async () => {
      const { store, clock, random } = h();
      random.value = 0.5;
      const p = store.partitionOf('ws-a');
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(claimed, boom, { retryable: true });
      clock.advance(499);
      expect(await store.promote(p)).toBe(0);
      clock.advance(1);
      expect(await store.promote(p)).toBe(1);
      expect(await store.get('ws-a', claimed.job_id)).toMatchObject({ status: 'pending', retry_at: null, attempts: 1, error: boom });
      expect(await store.queuePosition('ws-a', claimed.job_id)).toBe(1);
      expect((await store.events('ws-a')).at(-1)).toMatchObject({ status: 'pending', prev: 'failed', reason: 'retry_due' });
      expect(await store.depth()).toMatchObject({ failed: 0, pending: 1 });
    });
  });
};
