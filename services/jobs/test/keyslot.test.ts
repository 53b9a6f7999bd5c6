/**
 * Every key each script is given or touches shares the partition's hash tag, hence one cluster
 * slot. Watched with MONITOR, which also shows the commands a Lua script runs (source "lua"),
 * so keys built inside the scripts are checked too, not only their KEYS.
 */
import type { Redis } from 'ioredis';
import keySlot from 'cluster-key-slot';
import { enqueueAndClaim, jobInput } from './support/fixtures';
import { waitFor } from './support/poll';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

interface Seen {
  args: string[];
  source: string;
}

describeStore('job store on Redis', connectLocalRedis, (h) => {
  describe('cluster safety', () => {
    let monitor: Redis;
    let seen: Seen[] = [];

    beforeEach(async () => {
      monitor = await (h().redis as Redis).monitor();
      // ioredis reads a MONITOR line as a command reply, and emits "Command queue state error",
      // in two windows only: between MONITOR's OK and its own switch to monitoring mode (a
      // microtask later; other test files' traffic can land in the same chunk), and after
      // disconnect(). Lines of either window precede beforeEach's marker or follow the test, so
      // no test looks at them; in between, the connection is in monitoring mode and loses none.
      monitor.on('error', () => undefined);
      monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }));
      await settle();
    });
    afterEach(() => monitor.disconnect());

    /** Waits until MONITOR has shown everything sent so far (a marker command comes after it). */
    async function settle(): Promise<Seen[]> {
      const marker = `settle-${h().prefix}-${Math.random()}`;
      await (h().redis as Redis).echo(marker);
      await waitFor(() => (seen.some((s) => s.args[1] === marker) ? true : undefined), 'the MONITOR marker');
      // MONITOR shows every client of the server; keep this test's commands only.
      const mine = `{${h().prefix}:`;
      const batch = seen.filter((s) => s.args.some((a) => a.includes(mine)));
      seen = [];
      return batch;
    }

    /** Runs one store call and returns the keys its script was given and the keys it touched. */
    async function keysOf(call: () => Promise<unknown>): Promise<{ scripts: number; keys: string[] }> {
      await call();
      const batch = await settle();
      const scripts = batch.filter((s) => /^eval(sha)?$/i.test(s.args[0] ?? ''));
      const keys = scripts.flatMap((s) => s.args.slice(3, 3 + Number(s.args[2])));
      for (const s of batch) {
        if (s.source === 'lua' && !/^publish$/i.test(s.args[0] ?? '')) keys.push(s.args[1] as string);
      }
      return { scripts: scripts.length, keys };
    }

    function expectOneTag(keys: string[]): void {
      const tag = /^\{[^}]+\}/.exec(keys[0] ?? '')?.[0];
      expect(tag).toMatch(new RegExp(`^\\{${h().prefix}:p\\d+\\}$`));
      for (const key of keys) expect(key.startsWith(tag as string)).toBe(true);
      expect(new Set(keys.map((k) => keySlot(k))).size).toBe(1);
    }

    it('keeps each script of a job\'s whole life inside one slot', async () => {
      const { store, clock } = h();
      const ws = 'ws-slot';
      const p = store.partitionOf(ws);
      const calls: Array<[string, () => Promise<unknown>]> = [];
      let lease = await enqueueAndClaim(store, ws, {}, 1000);
      const { job: pending } = await store.enqueue(jobInput(ws, { priority: 0 }));
      await settle();
      calls.push(
        ['enqueue', () => store.enqueue(jobInput(ws, { client_request_id: 'k', priority: 0 }))],
        ['enqueue replay', () => store.enqueue(jobInput(ws, { client_request_id: 'k', priority: 0 }))],
        ['extendLease', () => store.extendLease(lease, 1000)],
        ['fail', () => store.fail(lease, { code: 'E', message: 'e' }, { retryable: true })],
        ['promote', async () => { clock.advance(2000); return store.promote(p); }],
        ['claim', async () => { lease = (await store.claim(p, { workerId: 'w', leaseMs: 1000 })) as typeof lease; }],
        ['release', () => store.release(lease)],
        ['claim again', async () => { lease = (await store.claim(p, { workerId: 'w', leaseMs: 1000 })) as typeof lease; }],
        ['reap', async () => { clock.advance(1000); return store.reap(p); }],
        ['claim after reap', async () => { lease = (await store.claim(p, { workerId: 'w', leaseMs: 1000 })) as typeof lease; }],
        ['cancel running', () => store.cancel(ws, lease.job_id)],
        ['finishCancelled', () => store.finishCancelled(lease)],
        ['cancel pending', () => store.cancel(ws, pending.job_id)],
        ['claim for dead', async () => { lease = (await store.claim(p, { workerId: 'w', leaseMs: 1000 })) as typeof lease; }],
        ['fail to dead', () => store.fail(lease, { code: 'E', message: 'e' }, { retryable: false })],
        ['replayDead', () => store.replayDead(ws, lease.job_id)],
        ['claim to complete', async () => { lease = (await store.claim(p, { workerId: 'w', leaseMs: 1000 })) as typeof lease; }],
        ['complete', () => store.complete(lease, null)],
        ['prune', async () => { clock.advance(181 * 86_400_000); return store.prune(p); }],
      );
      for (const [name, call] of calls) {
        const { scripts, keys } = await keysOf(call);
        expect([name, scripts]).toEqual([name, 1]);
        expectOneTag(keys);
        expect(keys.length).toBeGreaterThan(2);
      }
    });

    it('keeps each script call of an erase inside one slot', async () => {
      const { store } = h();
      const ws = 'ws-slot';
      for (let i = 0; i < 5; i++) {
        await store.enqueue(jobInput(ws, { actor_id: i % 2 === 0 ? 'actor-1' : 'actor-2', client_request_id: `req-${i}` }));
      }
      await enqueueAndClaim(store, ws, { actor_id: 'actor-1', priority: 9 });
      await settle();
      const erases: Array<[string, () => Promise<unknown>, number]> = [
        ['erase an actor', () => store.erase(ws, { actorId: 'actor-1', batch: 2 }), 3],
        ['erase the workspace', () => store.erase(ws, { batch: 2 }), 1],
      ];
      for (const [name, call, calls] of erases) {
        const { scripts, keys } = await keysOf(call);
        expect([name, scripts]).toEqual([name, calls]);
        expectOneTag(keys);
        expect(keys.length).toBeGreaterThan(2);
      }
    });

    it('places a workspace\'s keys and its partition\'s queue keys under one tag', () => {
      const { store } = h();
      const p = store.partitionOf('ws-x');
      expectOneTag([
        store.keys.job('ws-x', 'id-1'),
        store.keys.index('ws-x', 'pending'),
        store.keys.events('ws-x'),
        store.keys.workspaces(p),
        store.keys.dead(p),
        store.keys.idempotency('ws-x', 'some key'),
        store.keys.ready(p),
        store.keys.stats(p),
      ]);
    });
  });
});
