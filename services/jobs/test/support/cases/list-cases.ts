import { enqueueAndClaim, expectJobError, jobInput } from '../fixtures';
import type { JobStore } from '../../../src/store';
import type { StoreCases } from '../store-harness';

export const listCases: StoreCases = (h) => {
  describe('list', () => {
    it('lists a workspace\'s jobs newest first, only its own', async () => {
      const { store, clock } = h();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(1000);
        ids.unshift((await store.enqueue(jobInput('ws-a'))).job.job_id);
      }
      await store.enqueue(jobInput('ws-b'));
      const page = await store.list('ws-a');
      expect(page.jobs.map((j) => j.job_id)).toEqual(ids);
      expect(page.next_cursor).toBeNull();
      expect((await store.list('ws-b')).jobs).toHaveLength(1);
      expect((await store.list('ws-c')).jobs).toEqual([]);
    });

    it('filters by status', async () => {
      const { store } = h();
      const { job: pending } = await store.enqueue(jobInput('ws-a'));
      await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 });
      const { job: other } = await store.enqueue(jobInput('ws-a'));
      await store.cancel('ws-a', other.job_id);
      expect((await store.list('ws-a', { status: 'running' })).jobs.map((j) => j.job_id)).toEqual([pending.job_id]);
      expect((await store.list('ws-a', { status: 'cancelled' })).jobs.map((j) => j.job_id)).toEqual([other.job_id]);
      expect((await store.list('ws-a', { status: 'pending' })).jobs).toEqual([]);
    });

    it('refuses a limit outside 1..100, an unknown status and a forged cursor with VALIDATION_ERROR', async () => {
      const { store } = h();
      for (const limit of [0, 101, 1.5, -1]) await expectJobError(store.list('ws-a', { limit }), 'VALIDATION_ERROR');
      await expectJobError(store.list('ws-a', { status: 'done' as never }), 'VALIDATION_ERROR');
      await expectJobError(store.list('ws-a', { cursor: 'not-a-cursor' }), 'VALIDATION_ERROR');
      await expectJobError(store.list('ws-a', { cursor: Buffer.from('{"a":1}').toString('base64url') }), 'VALIDATION_ERROR');
      await expect(store.list('ws-a', { limit: 1 })).resolves.toMatchObject({ jobs: [] });
      await expect(store.list('ws-a', { limit: 100 })).resolves.toMatchObject({ jobs: [] });
    });

    it('pages with a cursor through every job exactly once, jobs of one millisecond included', async () => {
      const { store, clock } = h();
      const ids = await enqueueInMilliseconds(store, clock, 7, 3);
      const { seen, pages } = await listEvery(store, 'ws-a', 2);
      expect(pages).toBe(4);
      expect(seen).toEqual([...ids].reverse());
    });

    it('pages through jobs of every status as one newest-first list', async () => {
      const { store, clock } = h();
      const ids = await enqueueInMilliseconds(store, clock, 9, 2);
      // Spread the jobs over four statuses: the listing merges one index per status.
      const p = store.partitionOf('ws-a');
      for (let i = 0; i < 5; i++) {
        const claimed = (await store.claim(p, { workerId: 'w', leaseMs: 60_000 }))!;
        if (i % 2 === 0) await store.complete(claimed, i);
        else if (i === 3) await store.fail(claimed, { code: 'X', message: 'x' }, { retryable: true });
      }
      await store.cancel('ws-a', ids[8] as string);
      const statuses = new Set((await store.list('ws-a')).jobs.map((j) => j.status));
      expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'failed', 'pending', 'running']);
      expect((await listEvery(store, 'ws-a', 2)).seen).toEqual([...ids].reverse());
    });

    it('stays stable under concurrent inserts: later pages neither repeat nor skip', async () => {
      const { store, clock } = h();
      const before: string[] = [];
      for (let i = 0; i < 4; i++) {
        clock.advance(1);
        before.unshift((await store.enqueue(jobInput('ws-a'))).job.job_id);
      }
      const first = await store.list('ws-a', { limit: 2 });
      const inserted: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(1);
        inserted.unshift((await store.enqueue(jobInput('ws-a'))).job.job_id);
      }
      const second = await store.list('ws-a', { limit: 2, cursor: first.next_cursor as string });
      expect([...first.jobs, ...second.jobs].map((j) => j.job_id)).toEqual(before);
      expect(second.next_cursor).toBeNull();
      expect((await store.list('ws-a', { limit: 3 })).jobs.map((j) => j.job_id)).toEqual(inserted);
    });

    it('skips a job that vanished between the index read and the hash read', async () => {
      const { store, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      const { job } = await store.enqueue(jobInput('ws-a'));
      await redis.del(store.keys.job('ws-a', claimed.job_id));
      expect((await store.list('ws-a')).jobs.map((j) => j.job_id)).toEqual([job.job_id]);
    });
  });

  describe('queuePosition', () => {
    it('gives the 1-based place in the partition queue, priorities first, and null when not pending', async () => {
      const { store, clock } = h();
      const { job: low } = await store.enqueue(jobInput('ws-a', { priority: 1 }));
      clock.advance(1);
      const { job: high } = await store.enqueue(jobInput('ws-a', { priority: 8 }));
      expect(await store.queuePosition('ws-a', high.job_id)).toBe(1);
      expect(await store.queuePosition('ws-a', low.job_id)).toBe(2);
      await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 });
      expect(await store.queuePosition('ws-a', high.job_id)).toBeNull();
      expect(await store.queuePosition('ws-a', low.job_id)).toBe(1);
      expect(await store.queuePosition('ws-b', low.job_id)).toBeNull();
    });
  });
};

/** Pages through a workspace's whole listing: the job ids in order, and how many pages it took. */
async function listEvery(store: JobStore, ws: string, limit: number): Promise<{ seen: string[]; pages: number }> {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(ws, { limit, ...(cursor ? { cursor } : {}) });
    seen.push(...page.jobs.map((j) => j.job_id));
    cursor = page.next_cursor ?? undefined;
    pages++;
  } while (cursor);
  return { seen, pages };
}

/** Enqueues `count` jobs in ws-a, `perMs` of them in each millisecond: the ids in order. */
async function enqueueInMilliseconds(store: JobStore, clock: { advance(ms: number): void }, count: number, perMs: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % perMs === 0) clock.advance(5);
    ids.push((await store.enqueue(jobInput('ws-a'))).job.job_id);
  }
  return ids;
}
