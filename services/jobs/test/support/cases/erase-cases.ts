import { Cluster, type Redis } from 'ioredis';
import { isJobError, type ClaimedJob, type JobStore, type RedisClient } from '../../../src/index';
import { enqueueAndClaim, jobInput, workspacesInOnePartition } from '../fixtures';
import type { StoreCases, StoreHarness } from '../store-harness';

const boom = { code: 'TOOL_ERROR', message: 'the tool failed' };
const EVERY_EVENT = { count: 10_000 };
const ONE_OF_EACH = { pending: 1, running: 1, completed: 1, failed: 1, cancelled: 1, dead: 1 };
const NONE = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, dead: 0 };

/**
 * One job of `actor` in each status but pending (a pending job must be enqueued after every
 * claim of the partition: enqueueAndClaim takes the only ready job). Returns their ids.
 */
async function jobsPastPending(store: JobStore, ws: string, actor: string): Promise<{ ids: string[]; running: ClaimedJob }> {
  const as = { actor_id: actor, params: { email: `${actor}@example.com` } };
  const completed = await enqueueAndClaim(store, ws, as);
  await store.complete(completed, { sent_to: `${actor}@example.com` });
  const dead = await enqueueAndClaim(store, ws, as);
  await store.fail(dead, boom, { retryable: false });
  const failed = await enqueueAndClaim(store, ws, as);
  await store.fail(failed, boom, { retryable: true });
  const cancelled = await enqueueAndClaim(store, ws, as);
  await store.cancel(ws, cancelled.job_id);
  await store.finishCancelled(cancelled);
  const running = await enqueueAndClaim(store, ws, as);
  return { ids: [completed.job_id, dead.job_id, failed.job_id, cancelled.job_id, running.job_id], running };
}

/** Every key of the workspace (records, indexes, idempotency keys, events). SCAN: tests only. */
async function keysOfWorkspace(redis: RedisClient, store: JobStore, ws: string): Promise<string[]> {
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const pattern = `${store.keys.tag(store.partitionOf(ws))}:ws:${ws}:*`;
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found.sort();
}

/** The members of the partition's ready, delayed, leases and dead zsets that name `ws`. */
async function queueMembersOf(redis: RedisClient, store: JobStore, ws: string): Promise<string[]> {
  const p = store.partitionOf(ws);
  const members: string[] = [];
  for (const key of [store.keys.ready(p), store.keys.delayed(p), store.keys.leases(p), store.keys.dead(p)]) {
    members.push(...(await redis.zrange(key, '0', '-1')).filter((m) => m.startsWith(`${ws}|`)));
  }
  return members;
}

interface BatchSpy {
  /** Runs before the n-th erase.lua call (from 0). */
  before?: (call: number) => Promise<void>;
  /** Gets each call's reply: `[jobs erased, events deleted, done, ...]`. */
  after?: (reply: unknown[]) => void;
}

/**
 * The store's client with a spy around each erase.lua call, so a test can count the calls,
 * read their replies or change jobs between them. Relies on the command name scripts.ts gives
 * erase.lua (`ocjobs_erase`), defined on the client by the harness's store.
 */
function spyOnBatches(client: RedisClient, spy: BatchSpy): RedisClient {
  let calls = 0;
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'ocjobs_erase') return value.bind(target);
      return async (...args: unknown[]) => {
        await spy.before?.(calls++);
        const reply = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown[];
        spy.after?.(reply);
        return reply;
      };
    },
  });
}

/** A store on the harness's client whose erase calls are counted and their erased jobs noted. */
function countingStore(h: () => StoreHarness): { store: JobStore; erasedPerCall: number[] } {
  const erasedPerCall: number[] = [];
  const store = h().makeStore({
    redis: spyOnBatches(h().redis, {
      // A runaway walk (a cursor that does not move) fails here instead of hanging.
      before: async (call) => {
        if (call >= 100) throw new Error('erase made 100 script calls');
      },
      after: (reply) => erasedPerCall.push(Number(reply[0])),
    }),
  });
  return { store, erasedPerCall };
}

export const eraseCases: StoreCases = (h) => {
  describe('erase', () => {
    it('erases every job of a workspace, whatever its status, with its idempotency keys and events; its neighbours keep theirs', async () => {
      const { store, redis } = h();
      const [wsA, wsB] = workspacesInOnePartition(store, 2) as [string, string];
      const p = store.partitionOf(wsA);
      await jobsPastPending(store, wsA, 'actor-1');
      await jobsPastPending(store, wsB, 'actor-1');
      await store.enqueue(jobInput(wsA, { client_request_id: 'req-1' }));
      await store.enqueue(jobInput(wsB, { client_request_id: 'req-1' }));
      const neighbour = { jobs: (await store.list(wsB)).jobs, events: await store.events(wsB, EVERY_EVENT), keys: await keysOfWorkspace(redis, store, wsB) };
      const eventsOfA = await redis.xlen(store.keys.events(wsA));
      expect(eventsOfA).toBeGreaterThan(6);
      expect(await store.depth()).toEqual({ pending: 2, running: 2, completed: 2, failed: 2, cancelled: 2, dead: 2 });

      await expect(store.erase(wsA)).resolves.toEqual({ jobs: 6, events: eventsOfA });

      expect(await keysOfWorkspace(redis, store, wsA)).toEqual([]);
      expect(await queueMembersOf(redis, store, wsA)).toEqual([]);
      expect(await redis.smembers(store.keys.workspaces(p))).toEqual([wsB]);
      expect((await store.list(wsA)).jobs).toEqual([]);
      expect(await store.events(wsA)).toEqual([]);
      expect((await store.listDead()).jobs.map((j) => j.workspace_id)).toEqual([wsB]);
      expect(await store.depth()).toEqual(ONE_OF_EACH);
      expect((await store.list(wsB)).jobs).toEqual(neighbour.jobs);
      expect(await store.events(wsB, EVERY_EVENT)).toEqual(neighbour.events);
      expect(await keysOfWorkspace(redis, store, wsB)).toEqual(neighbour.keys);
      expect(await queueMembersOf(redis, store, wsB)).toHaveLength(4);
      await expect(store.erase(wsA)).resolves.toEqual({ jobs: 0, events: 0 });
    });

    it('erases one actor\'s jobs and only those jobs\' events; the other actor\'s stay as they were', async () => {
      const { store, redis } = h();
      const ws = 'ws-a';
      const mine = await jobsPastPending(store, ws, 'actor-1');
      await jobsPastPending(store, ws, 'actor-2');
      const myPending = (await store.enqueue(jobInput(ws, { actor_id: 'actor-1', client_request_id: 'req-1' }))).job;
      await store.enqueue(jobInput(ws, { actor_id: 'actor-2', client_request_id: 'req-2' }));
      const myIds = new Set([...mine.ids, myPending.job_id]);
      const events = await store.events(ws, EVERY_EVENT);
      const theirEvents = events.filter((e) => !myIds.has(e.job_id));
      const theirJobs = (await store.list(ws)).jobs.filter((j) => j.actor_id === 'actor-2');
      expect(theirJobs).toHaveLength(6);
      expect(theirEvents.length).toBeGreaterThan(6);
      expect(events.length).toBeGreaterThan(theirEvents.length + 6);

      await expect(store.erase(ws, { actorId: 'actor-1' })).resolves.toEqual({ jobs: 6, events: events.length - theirEvents.length });

      expect((await store.list(ws)).jobs).toEqual(theirJobs);
      expect(await store.events(ws, EVERY_EVENT)).toEqual(theirEvents);
      for (const id of myIds) expect(await redis.exists(store.keys.job(ws, id))).toBe(0);
      expect(await redis.exists(store.keys.idempotency(ws, 'req-1'))).toBe(0);
      expect(await redis.exists(store.keys.idempotency(ws, 'req-2'))).toBe(1);
      const queued = await queueMembersOf(redis, store, ws);
      expect(queued).toHaveLength(4);
      expect(queued.filter((m) => myIds.has(m.slice(ws.length + 1)))).toEqual([]);
      expect(await store.depth()).toEqual(ONE_OF_EACH);
      expect(await redis.sismember(store.keys.workspaces(store.partitionOf(ws)), ws)).toBe(1);
      await expect(store.erase(ws, { actorId: 'actor-1' })).resolves.toEqual({ jobs: 0, events: 0 });
      await expect(store.erase(ws, { actorId: 'actor-3' })).resolves.toEqual({ jobs: 0, events: 0 });
      expect((await store.list(ws)).jobs).toEqual(theirJobs);
    });

    it.each([
      ['the workspace', {}],
      ['the actor', { actorId: 'actor-1' }],
    ])('fences off the worker of a running job when %s is erased: every lease call is LEASE_LOST and writes nothing', async (_what, opts) => {
      const { store, redis, clock } = h();
      const p = store.partitionOf('ws-a');
      const running = await enqueueAndClaim(store, 'ws-a', { actor_id: 'actor-1' }, 1000);
      await expect(store.erase('ws-a', opts)).resolves.toEqual({ jobs: 1, events: 2 });

      const leaseCalls: Array<() => Promise<unknown>> = [
        () => store.extendLease(running, 1000),
        () => store.complete(running, 'ok'),
        () => store.completeAndClaim(running, 'ok', { workerId: 'w1', leaseMs: 1000 }),
        () => store.fail(running, boom, { retryable: true }),
        () => store.finishCancelled(running),
        () => store.release(running),
      ];
      for (const call of leaseCalls) {
        const err = await call().catch((e: unknown) => e);
        expect(isJobError(err, 'LEASE_LOST') && { status: err.status, message: err.message }).toEqual({
          status: undefined,
          message: 'the lease is no longer held (job is gone)',
        });
      }
      clock.advance(2000);
      await expect(store.reap(p)).resolves.toEqual({ requeued: 0, dead: 0, cancelled: 0 });
      expect(await redis.exists(store.keys.job('ws-a', running.job_id))).toBe(0);
      expect(await store.events('ws-a')).toEqual([]);
      expect(await queueMembersOf(redis, store, 'ws-a')).toEqual([]);
      expect(await store.depth()).toEqual(NONE);
    });

    it('forgets the idempotency keys: the same client_request_id enqueues a new job', async () => {
      const { store } = h();
      const first = await store.enqueue(jobInput('ws-a', { client_request_id: 'req-1' }));
      await expect(store.enqueue(jobInput('ws-a', { client_request_id: 'req-1' }))).resolves.toMatchObject({ replayed: true });
      await store.erase('ws-a', { actorId: 'actor-1' });
      const again = await store.enqueue(jobInput('ws-a', { client_request_id: 'req-1', params: { other: true } }));
      expect(again.replayed).toBe(false);
      expect(again.job.job_id).not.toBe(first.job.job_id);
      await expect(store.enqueue(jobInput('ws-a', { client_request_id: 'req-1', params: { other: true } }))).resolves.toMatchObject({
        replayed: true,
        job: { job_id: again.job.job_id },
      });
      expect(await store.depth()).toMatchObject({ pending: 1 });
    });

    it('keeps another actor\'s idempotency key that reuses a client_request_id of an erased job', async () => {
      const store = h().makeStore({ idempotencyTtlS: 60 });
      await store.enqueue(jobInput('ws-a', { actor_id: 'actor-1', client_request_id: 'req-1' }));
      h().clock.advance(60_000);
      const theirs = await store.enqueue(jobInput('ws-a', { actor_id: 'actor-2', client_request_id: 'req-1' }));
      expect(theirs.replayed).toBe(false);
      await expect(store.erase('ws-a', { actorId: 'actor-1' })).resolves.toMatchObject({ jobs: 1 });
      await expect(store.enqueue(jobInput('ws-a', { actor_id: 'actor-2', client_request_id: 'req-1' }))).resolves.toMatchObject({
        replayed: true,
        job: { job_id: theirs.job.job_id },
      });
    });

    it('erases more jobs than one batch, at most a batch per script call, with exact counts (workspace)', async () => {
      const { clock } = h();
      const { store, erasedPerCall } = countingStore(h);
      for (let i = 0; i < 25; i++) {
        if (i % 3 === 0) clock.advance(1);
        await store.enqueue(jobInput('ws-a'));
      }
      await store.enqueue(jobInput('ws-b'));
      await expect(store.erase('ws-a', { batch: 7 })).resolves.toEqual({ jobs: 25, events: 25 });
      expect(erasedPerCall).toEqual([7, 7, 7, 4]);
      expect((await store.list('ws-a')).jobs).toEqual([]);
      expect(await store.depth()).toEqual({ ...NONE, pending: 1 });
    });

    it.each([
      [4, 10],
      [1, 40],
    ])('erases an actor\'s jobs among others sharing one millisecond, batch %i in %i script calls, with exact counts', async (batch, calls) => {
      const { store, erasedPerCall } = countingStore(h);
      const mine = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const actor = i % 3 === 0 ? 'actor-1' : 'actor-2';
        const { job } = await store.enqueue(jobInput('ws-a', { actor_id: actor }));
        if (actor === 'actor-1') mine.add(job.job_id);
      }
      await expect(store.erase('ws-a', { actorId: 'actor-1', batch })).resolves.toEqual({ jobs: 14, events: 14 });
      expect(erasedPerCall).toHaveLength(calls);
      expect(Math.max(...erasedPerCall)).toBeLessThanOrEqual(batch);
      const left = (await store.list('ws-a')).jobs;
      expect(left).toHaveLength(26);
      expect(left.filter((j) => mine.has(j.job_id) || j.actor_id !== 'actor-2')).toEqual([]);
      expect((await store.events('ws-a', EVERY_EVENT)).map((e) => e.job_id).sort()).toEqual(left.map((j) => j.job_id).sort());
      expect(await store.depth()).toEqual({ ...NONE, pending: 26 });
    });

    it('finds an erased actor\'s events all along a stream longer than one read (500 entries)', async () => {
      const { store } = h();
      for (let i = 0; i < 520; i++) await store.enqueue(jobInput('ws-a', { actor_id: i % 2 === 0 ? 'actor-1' : 'actor-2' }));
      await expect(store.erase('ws-a', { actorId: 'actor-1' })).resolves.toEqual({ jobs: 260, events: 260 });
      const left = [];
      for (let page = await store.list('ws-a'); ; page = await store.list('ws-a', { cursor: page.next_cursor as string })) {
        left.push(...page.jobs);
        if (!page.next_cursor) break;
      }
      expect(left.filter((j) => j.actor_id !== 'actor-2')).toEqual([]);
      expect(left).toHaveLength(260);
      const events = await store.events('ws-a', EVERY_EVENT);
      expect(events.map((e) => e.job_id).sort()).toEqual(left.map((j) => j.job_id).sort());
    });

    it('misses no job of the actor that changes status between two batches', async () => {
      const { store, clock, redis } = h();
      const oldest = await store.enqueue(jobInput('ws-a', { actor_id: 'actor-1' }));
      clock.advance(1);
      const newer = await enqueueAndClaim(store, 'ws-a', { actor_id: 'actor-1', priority: 9 });
      await store.fail(newer, boom, { retryable: false });
      clock.advance(1);
      const other = await store.enqueue(jobInput('ws-a', { actor_id: 'actor-2' }));
      // After the first batch (the oldest job) the newer one leaves the dead index for the
      // pending one, which a walk index by index would have passed already.
      const hooked = h().makeStore({
        redis: spyOnBatches(redis, {
          before: async (call) => {
            if (call === 1) await store.replayDead('ws-a', newer.job_id);
          },
        }),
      });
      await expect(hooked.erase('ws-a', { actorId: 'actor-1', batch: 1 })).resolves.toEqual({ jobs: 2, events: 5 });
      expect((await store.list('ws-a')).jobs.map((j) => j.job_id)).toEqual([other.job.job_id]);
      expect(await redis.exists(store.keys.job('ws-a', oldest.job.job_id))).toBe(0);
      expect(await store.depth()).toEqual({ ...NONE, pending: 1 });
    });

    it('erases the index entry of a record that already expired with its workspace, counted once', async () => {
      const { store, redis } = h();
      const claimed = await enqueueAndClaim(store, 'ws-a');
      await store.complete(claimed, null);
      await store.enqueue(jobInput('ws-a'));
      await redis.del(store.keys.job('ws-a', claimed.job_id));
      // Whose job it was died with the record: the actor's erase leaves the entry alone.
      await expect(store.erase('ws-a', { actorId: 'actor-1' })).resolves.toEqual({ jobs: 1, events: 1 });
      expect(await store.depth()).toEqual({ ...NONE, completed: 1 });
      await expect(store.erase('ws-a')).resolves.toEqual({ jobs: 1, events: 3 });
      expect(await keysOfWorkspace(redis, store, 'ws-a')).toEqual([]);
      expect(await store.depth()).toEqual(NONE);
    });

    it('refuses a bad workspace id, actor id or batch with VALIDATION_ERROR, and erases nothing', async () => {
      const { store } = h();
      await store.enqueue(jobInput('ws-a'));
      const refused: Array<[() => Promise<unknown>, string]> = [
        [() => store.erase(''), 'workspace_id'],
        [() => store.erase('ws a'), 'workspace_id'],
        [() => store.erase('ws:{a}'), 'workspace_id'],
        [() => store.erase(undefined as unknown as string), 'workspace_id'],
        [() => store.erase('ws-a', { actorId: '' }), 'actor_id'],
        [() => store.erase('ws-a', { actorId: 'a'.repeat(129) }), 'actor_id'],
        [() => store.erase('ws-a', { actorId: 7 as unknown as string }), 'actor_id'],
        [() => store.erase('ws-a', { batch: 0 }), 'batch'],
        [() => store.erase('ws-a', { batch: 2.5 }), 'batch'],
        [() => store.erase('ws-a', { batch: 1001 }), 'batch'],
      ];
      for (const [call, field] of refused) {
        const err = await call().catch((e: unknown) => e);
        expect([field, isJobError(err, 'VALIDATION_ERROR') && err.field]).toEqual([field, field]);
      }
      expect((await store.list('ws-a')).jobs).toHaveLength(1);
    });
  });
};
