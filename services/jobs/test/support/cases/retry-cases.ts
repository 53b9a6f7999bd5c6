import { enqueueAndClaim, expectJobError, jobInput } from '../fixtures';
import type { StoreCases } from '../store-harness';

const boom = { code: 'TOOL_ERROR', message: 'the tool failed' };

export const retryCases: StoreCases = (h) => {
  describe('retry', () => {
    it('sends a dead job back to pending at once: attempts reset, out of the DLQ, error in the event', async () => {
      const { store, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(claimed, boom, { retryable: false });
      const retried = await store.retry('ws-a', claimed.job_id);
      expect(retried).toMatchObject({ status: 'pending', attempts: 0, error: null, finished_at: null, result: null });
      expect(await redis.pttl(store.keys.job('ws-a', claimed.job_id))).toBe(-1);
      expect((await store.listDead()).jobs).toEqual([]);
      expect(await store.queuePosition('ws-a', claimed.job_id)).toBe(1);
      expect((await store.events('ws-a')).at(-1)).toMatchObject({ status: 'pending', prev: 'dead', error: boom });
      expect(await store.depth()).toMatchObject({ dead: 0, pending: 1 });
    });

    it('sends a failed job back to pending before its retry is due', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(claimed, boom, { retryable: true });
      await expect(store.retry('ws-a', claimed.job_id)).resolves.toMatchObject({ status: 'pending', retry_at: null });
      expect(await store.promote(store.partitionOf('ws-a'))).toBe(0);
      await expect(store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 })).resolves.toMatchObject({ attempts: 1 });
    });

    it('refuses pending, running, completed and cancelled jobs with CONFLICT', async () => {
      const { store } = h();
      const { job } = await store.enqueue(jobInput('ws-a'));
      await expectJobError(store.retry('ws-a', job.job_id), 'CONFLICT', 'pending');
      const running = await enqueueAndClaim(store, 'ws-b');
      await expectJobError(store.retry('ws-b', running.job_id), 'CONFLICT', 'running');
      await store.complete(running, null);
      await expectJobError(store.retry('ws-b', running.job_id), 'CONFLICT', 'completed');
      await store.cancel('ws-a', job.job_id);
      await expectJobError(store.retry('ws-a', job.job_id), 'CONFLICT', 'cancelled');
      await expectJobError(store.retry('ws-a', 'missing'), 'NOT_FOUND');
    });
  });

  describe('replayDead', () => {
    it('replays a dead job and refuses a failed one (only the DLQ replays)', async () => {
      const { store } = h();
      const dead = await enqueueAndClaim(store, 'ws-a');
      await store.fail(dead, boom, { retryable: false });
      const failed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(failed, boom, { retryable: true });
      await expectJobError(store.replayDead('ws-a', failed.job_id), 'CONFLICT', 'failed');
      await expect(store.replayDead('ws-a', dead.job_id)).resolves.toMatchObject({ status: 'pending', attempts: 0 });
    });
  });

  describe('listDead', () => {
    it('lists the DLQ of every partition, most recently dead first, with a cursor', async () => {
      const { store, clock } = h();
      const workspaces = ['ws-a', 'ws-b', 'ws-c', 'ws-d', 'ws-e'];
      const died: string[] = [];
      for (const ws of workspaces) {
        const claimed = await enqueueAndClaim(store, ws);
        clock.advance(10);
        await store.fail(claimed, boom, { retryable: false });
        died.unshift(claimed.job_id);
      }
      const first = await store.listDead({ limit: 2 });
      const second = await store.listDead({ limit: 2, cursor: first.next_cursor as string });
      const third = await store.listDead({ limit: 2, cursor: second.next_cursor as string });
      expect([...first.jobs, ...second.jobs, ...third.jobs].map((j) => j.job_id)).toEqual(died);
      expect(third.next_cursor).toBeNull();
      expect(new Set(first.jobs.map((j) => j.workspace_id)).size).toBe(2);
    });
  });
};
