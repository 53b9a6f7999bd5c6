import { JOB_STATUSES, type JobStatus } from '../../../src/index';
import { enqueueAndClaim, jobInput, workspacesInOnePartition } from '../fixtures';
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

  describe('oldestReadyAgeMs', () => {
    it('is null with nothing ready, and the wait of the oldest ready job over partitions and priorities', async () => {
      const { store, clock } = h();
      expect(await store.oldestReadyAgeMs()).toBeNull();
      const [low, high] = workspacesInOnePartition(store, 2) as [string, string];
      const elsewhere = ['ws-x', 'ws-y', 'ws-z'].find((ws) => store.partitionOf(ws) !== store.partitionOf(low)) as string;
      // The oldest ready job has the lowest priority: it is last in its partition's queue.
      const { job: starved } = await store.enqueue(jobInput(low, { priority: 0 }));
      clock.advance(1000);
      await store.enqueue(jobInput(high, { priority: 9 }));
      await store.enqueue(jobInput(elsewhere, { priority: 5 }));
      clock.advance(500);
      expect(await store.oldestReadyAgeMs()).toBe(1500);

      // A claim serves the priority-9 job: the starved one still waits. Once it is gone, the
      // oldest is the other partition's.
      const claimed = await store.claim(store.partitionOf(low), { workerId: 'w', leaseMs: 60_000 });
      expect(claimed?.workspace_id).toBe(high);
      expect(await store.oldestReadyAgeMs()).toBe(1500);
      await store.cancel(low, starved.job_id);
      expect(await store.oldestReadyAgeMs()).toBe(500);
      clock.advance(250);
      expect(await store.oldestReadyAgeMs()).toBe(750);
    });

    it('looks past a ready-queue member whose job is gone, as claim would drop it', async () => {
      const { store, clock, redis } = h();
      const p = store.partitionOf('ws-a');
      // 1e13 * (9 - 5) + an enqueue time long ago: a priority-5 member without a record.
      await redis.zadd(store.keys.ready(p), String(4e13 + clock.now() - 60_000), 'ws-a|gone');
      await store.enqueue(jobInput('ws-a'));
      clock.advance(20);
      expect(await store.oldestReadyAgeMs()).toBe(20);
    });
  });
};
