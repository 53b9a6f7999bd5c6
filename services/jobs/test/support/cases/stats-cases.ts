import { JOB_STATUSES, type JobStatus } from '../../../src/index';
import { enqueueAndClaim, jobInput } from '../fixtures';
import type { StoreCases } from '../store-harness';

export const statsCases: StoreCases = (h) => {
  describe('depth', () => {
    it('stays exact through every kind of transition, summed over partitions', async () => {
      const { store, clock } = h();
      const workspaces = ['ws-a', 'ws-b', 'ws-c', 'ws-d'];
      const replays: Array<[string, string]> = [];
      for (const ws of workspaces) {
        const completed = await enqueueAndClaim(store, ws);
        await store.complete(completed, null);
        const dead = await enqueueAndClaim(store, ws, { max_attempts: 1 });
        await store.fail(dead, { code: 'E', message: 'e' }, { retryable: true });
        const failed = await enqueueAndClaim(store, ws);
        await store.fail(failed, { code: 'E', message: 'e' }, { retryable: true });
        const cancelled = await enqueueAndClaim(store, ws);
        await store.cancel(ws, cancelled.job_id);
        await store.finishCancelled(cancelled);
        await enqueueAndClaim(store, ws, {}, 10);
        await enqueueAndClaim(store, ws, {}, 60_000);
        const replayed = await enqueueAndClaim(store, ws);
        await store.fail(replayed, { code: 'E', message: 'e' }, { retryable: false });
        replays.push([ws, replayed.job_id]);
      }
      // Pending jobs last, so each enqueueAndClaim above finds only its own job ready.
      for (const [ws, id] of replays) await store.replayDead(ws, id);
      for (const ws of workspaces) await store.enqueue(jobInput(ws));
      clock.advance(10);
      for (let p = 0; p < store.partitions; p++) await store.reap(p);

      const counted = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
      for (const ws of workspaces) {
        for (const job of (await store.list(ws)).jobs) counted[job.status]++;
      }
      expect(counted).toEqual({ pending: 12, running: 4, completed: 4, failed: 4, cancelled: 4, dead: 4 });
      expect(await store.depth()).toEqual(counted);
    });
  });
};
