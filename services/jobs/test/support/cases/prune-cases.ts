import { enqueueAndClaim, jobInput, workspacesInOnePartition } from '../fixtures';
import type { StoreCases } from '../store-harness';

const DAY = 86_400_000;

export const pruneCases: StoreCases = (h) => {
  describe('prune', () => {
    it('deletes finished jobs older than the retention from every index, and keeps the rest', async () => {
      const { store, clock, redis } = h();
      const p = store.partitionOf('ws-a');
      const completed = await enqueueAndClaim(store, 'ws-a');
      await store.complete(completed, null);
      const dead = await enqueueAndClaim(store, 'ws-a');
      await store.fail(dead, { code: 'E', message: 'e' }, { retryable: false });
      const { job: cancelled } = await store.enqueue(jobInput('ws-a'));
      await store.cancel('ws-a', cancelled.job_id);
      const failed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(failed, { code: 'E', message: 'e' }, { retryable: true });
      const running = await enqueueAndClaim(store, 'ws-a', {}, 400 * DAY);

      clock.advance(180 * DAY - 1);
      expect(await store.prune(p)).toBe(0);
      const recent = await enqueueAndClaim(store, 'ws-a', {}, 400 * DAY);
      await store.complete(recent, null);
      const { job: pending } = await store.enqueue(jobInput('ws-a'));
      clock.advance(1);
      expect(await store.prune(p)).toBe(3);

      const left = (await store.list('ws-a')).jobs.map((j) => j.job_id).sort();
      expect(left).toEqual([failed.job_id, running.job_id, pending.job_id, recent.job_id].sort());
      for (const gone of [completed.job_id, dead.job_id, cancelled.job_id]) {
        expect(await redis.exists(store.keys.job('ws-a', gone))).toBe(0);
      }
      for (const status of ['completed', 'cancelled', 'dead'] as const) {
        const ids = (await store.list('ws-a', { status })).jobs.map((j) => j.job_id);
        expect(ids).toEqual(status === 'completed' ? [recent.job_id] : []);
      }
      expect((await store.listDead()).jobs).toEqual([]);
      expect(await store.depth()).toEqual({ pending: 1, running: 1, completed: 1, failed: 1, cancelled: 0, dead: 0 });
    });

    it('keeps counts exact when a finished hash already expired (the safety net ran first)', async () => {
      const { store, clock, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.complete(claimed, null);
      await redis.del(store.keys.job('ws-a', claimed.job_id));
      clock.advance(181 * DAY);
      expect(await store.prune(store.partitionOf('ws-a'))).toBe(1);
      expect(await store.depth()).toMatchObject({ completed: 0 });
      expect(await redis.zcard(store.keys.index('ws-a', 'completed'))).toBe(0);
    });

    it('walks every workspace of the partition, however many, across calls of bounded size', async () => {
      const { store, clock } = h();
      const spaces = workspacesInOnePartition(store, 450);
      for (const ws of spaces) {
        const { job } = await store.enqueue(jobInput(ws));
        await store.cancel(ws, job.job_id);
      }
      clock.advance(181 * DAY);
      const p = store.partitionOf(spaces[0] as string);
      expect(await store.prune(p, { limit: 1000 })).toBe(450);
      expect(await store.depth()).toMatchObject({ cancelled: 0 });
      expect(await store.prune(p, { limit: 1000 })).toBe(0);
    });

    it('honours retentionDays and the batch limit', async () => {
      const store = h().makeStore({ retentionDays: 1 });
      for (let i = 0; i < 3; i++) {
        const { job } = await store.enqueue(jobInput('ws-a'));
        await store.cancel('ws-a', job.job_id);
      }
      h().clock.advance(DAY);
      expect(await store.prune(store.partitionOf('ws-a'), { limit: 2 })).toBe(2);
      expect(await store.prune(store.partitionOf('ws-a'), { limit: 2 })).toBe(1);
    });
  });
};
