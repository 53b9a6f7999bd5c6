import { enqueueAndClaim, expectJobError, jobInput } from '../fixtures';
import { waitFor } from '../poll';
import type { StoreCases } from '../store-harness';

export const cancelCases: StoreCases = (h) => {
  describe('cancel', () => {
    it('cancels a pending job at once and takes it out of the queue', async () => {
      const { store } = h();
      const { job } = await store.enqueue(jobInput('ws-a'));
      const { job: cancelled, outcome } = await store.cancel('ws-a', job.job_id);
      expect(outcome).toBe('cancelled');
      expect(cancelled).toMatchObject({ status: 'cancelled' });
      expect(cancelled.finished_at).not.toBeNull();
      expect(await store.queuePosition('ws-a', job.job_id)).toBeNull();
      expect(await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 })).toBeNull();
      expect((await store.events('ws-a')).at(-1)).toMatchObject({ status: 'cancelled', prev: 'pending' });
      expect(await store.depth()).toMatchObject({ pending: 0, cancelled: 1 });
    });

    it('flags a running job, publishes its ref on the cancel channel, and lets the worker finish it', async () => {
      const { store } = h();
      const sub = h().duplicate();
      const messages: string[] = [];
      sub.on('message', (_channel: string, message: string) => messages.push(message));
      await sub.subscribe(store.channels.cancel);
      const claimed = await enqueueAndClaim(store, 'ws-a');

      const { job, outcome } = await store.cancel('ws-a', claimed.job_id);
      expect(outcome).toBe('cancelling');
      expect(job).toMatchObject({ status: 'running', cancel_requested: true });
      expect(await waitFor(() => messages[0], 'a cancel message')).toBe(`ws-a|${claimed.job_id}`);
      expect(await store.cancel('ws-a', claimed.job_id)).toMatchObject({ outcome: 'cancelling' });

      const finished = await store.finishCancelled(claimed);
      expect(finished).toMatchObject({ status: 'cancelled', lease_token: null });
      expect(await store.depth()).toMatchObject({ running: 0, cancelled: 1 });
      expect((await store.events('ws-a')).map((e) => e.status)).toEqual(['pending', 'running', 'cancelled']);
    });

    it('ends a running job as cancelled, not retried, when it fails after a cancel request', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.cancel('ws-a', claimed.job_id);
      await expect(store.fail(claimed, { code: 'ABORTED', message: 'aborted' }, { retryable: true })).resolves.toMatchObject({
        status: 'cancelled',
      });
    });

    it('refuses to cancel completed, failed, dead and cancelled jobs with CONFLICT', async () => {
      const { store } = h();
      const completed = await enqueueAndClaim(store, 'ws-a');
      await store.complete(completed, null);
      await expectJobError(store.cancel('ws-a', completed.job_id), 'CONFLICT', 'completed');
      const failed = await enqueueAndClaim(store, 'ws-a');
      await store.fail(failed, { code: 'E', message: 'e' }, { retryable: true });
      await expectJobError(store.cancel('ws-a', failed.job_id), 'CONFLICT', 'failed');
      const dead = await enqueueAndClaim(store, 'ws-a');
      await store.fail(dead, { code: 'E', message: 'e' }, { retryable: false });
      await expectJobError(store.cancel('ws-a', dead.job_id), 'CONFLICT', 'dead');
      const { job } = await store.enqueue(jobInput('ws-a'));
      await store.cancel('ws-a', job.job_id);
      await expectJobError(store.cancel('ws-a', job.job_id), 'CONFLICT', 'cancelled');
    });

    it('answers NOT_FOUND for an unknown job and for another workspace\'s job', async () => {
      const { store } = h();
      const { job } = await store.enqueue(jobInput('ws-a'));
      await expectJobError(store.cancel('ws-a', '01900000-0000-7000-8000-000000000000'), 'NOT_FOUND');
      await expectJobError(store.cancel('ws-b', job.job_id), 'NOT_FOUND');
      expect(await store.get('ws-b', job.job_id)).toBeNull();
      expect(await store.get('ws-a', job.job_id)).toMatchObject({ status: 'pending' });
    });
  });

  describe('finishCancelled', () => {
    it('refuses a running job without a cancel request (CONFLICT) and a stale token (LEASE_LOST)', async () => {
      const { store } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await expectJobError(store.finishCancelled(claimed), 'CONFLICT', 'running');
      await store.cancel('ws-a', claimed.job_id);
      await expectJobError(store.finishCancelled({ ...claimed, lease_token: 'x' }), 'LEASE_LOST', 'running');
      await store.finishCancelled(claimed);
      await expectJobError(store.finishCancelled(claimed), 'LEASE_LOST', 'cancelled');
    });
  });
};
