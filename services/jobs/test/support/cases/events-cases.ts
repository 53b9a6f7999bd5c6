import type { Redis } from 'ioredis';
import { enqueueAndClaim, jobInput } from '../fixtures';
import { waitFor } from '../poll';
import type { StoreCases } from '../store-harness';

export const eventsCases: StoreCases = (h) => {
  describe('events', () => {
    it('records every status change of a workspace in order', async () => {
      const { store, clock } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      clock.advance(10);
      await store.fail(claimed, { code: 'E', message: 'e' }, { retryable: true });
      await store.retry('ws-a', claimed.job_id);
      const again = await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 });
      await store.complete(again as NonNullable<typeof again>, 'ok');
      const events = await store.events('ws-a');
      expect(events.map((e) => [e.status, e.prev, e.attempts])).toEqual([
        ['pending', null, 0],
        ['running', 'pending', 1],
        ['failed', 'running', 1],
        ['pending', 'failed', 0],
        ['running', 'pending', 1],
        ['completed', 'running', 1],
      ]);
      expect(new Set(events.map((e) => e.job_id))).toEqual(new Set([claimed.job_id]));
      expect(events[2]?.at).toBe(new Date(h().clock.now()).toISOString());
    });

    it('resumes after a given event id without gaps and honours count', async () => {
      const { store } = h();
      for (let i = 0; i < 5; i++) await store.enqueue(jobInput('ws-a'));
      const all = await store.events('ws-a');
      const firstTwo = await store.events('ws-a', { count: 2 });
      const rest = await store.events('ws-a', { after: firstTwo[1]?.id as string });
      expect([...firstTwo, ...rest]).toEqual(all);
      expect(await store.events('ws-a', { after: all[4]?.id as string })).toEqual([]);
      expect(await store.events('ws-b')).toEqual([]);
    });

    it('blocks on the blocking connection until the next event arrives', async () => {
      const blocking = h().duplicate();
      const store = h().makeStore({ blockingRedis: blocking });
      await store.enqueue(jobInput('ws-a'));
      const [first] = await store.events('ws-a');
      const waiting = store.events('ws-a', { after: first?.id as string, blockMs: 5000 });
      await waitUntilBlocked(h().redis as Redis);
      const { job } = await store.enqueue(jobInput('ws-a'));
      await expect(waiting).resolves.toEqual([expect.objectContaining({ job_id: job.job_id, status: 'pending' })]);
    });

    it('refuses a blocking read without a blocking connection', async () => {
      await expect(h().store.events('ws-a', { blockMs: 10 })).rejects.toThrow(/blockingRedis/);
    });

    it('caps each stream near eventsMaxLen', async () => {
      const store = h().makeStore({ eventsMaxLen: 10 });
      for (let i = 0; i < 250; i++) await store.enqueue(jobInput('ws-a'));
      const length = await h().redis.xlen(store.keys.events('ws-a'));
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThan(250);
    });
  });
};

/** Waits until some client is blocked in XREAD (INFO clients), so the next write wakes it. */
async function waitUntilBlocked(redis: Redis): Promise<void> {
  const nodes = 'nodes' in redis ? (redis as unknown as { nodes(role: string): Redis[] }).nodes('master') : [redis];
  await waitFor(async () => {
    for (const node of nodes) {
      const info = await node.info('clients');
      if (/blocked_clients:[1-9]/.test(info)) return true;
    }
    return undefined;
  }, 'a blocked XREAD');
}
