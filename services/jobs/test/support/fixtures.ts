import { isJobError, type EnqueueInput, type JobErrorCode, type JobStore } from '../../src/index';

/** A valid submission for workspace `ws`; override any field. */
export function jobInput(ws: string, overrides: Partial<EnqueueInput> = {}): EnqueueInput {
  return { workspace_id: ws, actor_id: 'actor-1', action: 'echo', params: { text: 'hi' }, ...overrides };
}

/** Asserts the promise rejects with a JobError of `code` (and current `status` when given). */
export async function expectJobError(promise: Promise<unknown>, code: JobErrorCode, status?: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isJobError(err)) throw new Error(`expected a JobError ${code}, got ${err === undefined ? 'success' : String(err)}`);
  expect(err.code).toBe(code);
  if (status !== undefined) expect(err.status).toBe(status);
}

/** Enqueues a job and claims it at once (the workspace's partition must have nothing else ready). */
export async function enqueueAndClaim(store: JobStore, ws: string, overrides: Partial<EnqueueInput> = {}, leaseMs = 30_000) {
  const { job } = await store.enqueue(jobInput(ws, overrides));
  const claimed = await store.claim(store.partitionOf(ws), { workerId: 'w1', leaseMs });
  if (!claimed || claimed.job_id !== job.job_id) throw new Error('claimed another job than the one just enqueued');
  return claimed;
}

/** `count` workspace ids that all live in one partition of a store with `partitions` partitions. */
export function workspacesInOnePartition(store: JobStore, count: number, base = 'ws'): string[] {
  const byPartition = new Map<number, string[]>();
  for (let i = 0; ; i++) {
    const ws = `${base}-${i}`;
    const list = [...(byPartition.get(store.partitionOf(ws)) ?? []), ws];
    if (list.length === count) return list;
    byPartition.set(store.partitionOf(ws), list);
  }
}
