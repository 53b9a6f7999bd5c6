/**
 * The operations the scale bench times against a filled job store: filling it fast, one
 * enqueue at a time, and listing a workspace's first page or a page deep inside it.
 */
import type { JobStore } from '@opsconductor/jobs';
import type { Redis } from 'ioredis';

/** How jobs are spread: every job in one workspace, or round-robin over `workspaces`. */
export interface Layout {
  name: string;
  workspaces: number;
}

export const workspaceId = (i: number): string => `ws-${String(i).padStart(4, '0')}`;

/** About the size of a real submission's params; the same for every job. */
const PARAMS = { input: 'ping', target: 'deploy/checkout-service', environment: 'staging', labels: { team: 'payments' } };

export function enqueueOne(store: JobStore, layout: Layout, i: number): Promise<unknown> {
  return store.enqueue({ workspace_id: workspaceId(i % layout.workspaces), actor_id: 'bench', action: 'echo', params: PARAMS });
}

/**
 * Fills the store from `from` jobs to `to` jobs with `inFlight` enqueues at a time: the fill
 * is setup, not a measurement, so it only has to be fast.
 */
export async function fill(store: JobStore, layout: Layout, from: number, to: number, inFlight = 500): Promise<void> {
  for (let i = from; i < to; i += inFlight) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(to, i + inFlight); j++) batch.push(enqueueOne(store, layout, j));
    await Promise.all(batch);
  }
}

/** Runs `op` `count` times one after another and returns each duration in ms. */
export async function timeSequential(count: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    await op(i);
    samples.push(performance.now() - began);
  }
  return samples;
}

/**
 * A cursor pointing halfway down a workspace's listing (newest first), built from the index
 * itself rather than by paging there, which at 1 M jobs would take thousands of calls. The
 * format is the store's opaque one (base64url of `[score, member]`); `checkDeepCursor` proves
 * the store accepts it, so a change of format fails the bench instead of skewing it.
 */
export async function deepCursor(redis: Redis, store: JobStore, ws: string): Promise<{ cursor: string; nextId: string }> {
  // Every job the scale bench stores stays pending: the pending index is the whole listing.
  const key = store.keys.index(ws, 'pending');
  const size = await redis.zcard(key);
  const at = Math.floor((size - 1) / 2);
  // Flat `[m, s, m, s]` on RESP2, pairs on RESP3: flattened either way.
  const reply = ((await redis.call('ZRANGE', key, at, at + 1, 'REV', 'WITHSCORES')) as unknown[]).flat();
  const [member, score, nextId] = reply;
  if (member === undefined || score === undefined || nextId === undefined) throw new Error(`bench: ${ws} has too few jobs for a deep page`);
  const cursor = Buffer.from(JSON.stringify([Number(score), String(member)]), 'utf8').toString('base64url');
  return { cursor, nextId: String(nextId) };
}

export async function checkDeepCursor(store: JobStore, ws: string, deep: { cursor: string; nextId: string }): Promise<void> {
  const page = await store.list(ws, { limit: 100, cursor: deep.cursor });
  if (page.jobs[0]?.job_id !== deep.nextId) throw new Error('bench: the deep cursor does not resume where expected (cursor format changed?)');
}
