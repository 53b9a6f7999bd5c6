import type { RedisClient } from './scripts';

export interface EraseOptions {
  /** Erase only this actor's jobs and their events; without it, the whole workspace. */
  actorId?: string;
  /** Most jobs one script call looks at (so erases): 1–1000, default 200. */
  batch?: number;
}

export interface EraseResult {
  /** Jobs erased, each counted once. */
  jobs: number;
  /** Event stream entries deleted. */
  events: number;
}

export const DEFAULT_ERASE_BATCH = 200;

/** Stream entries read per XRANGE while looking for an erased actor's events. */
const EVENTS_PER_READ = 500;

/** Where the walk of erase.lua stopped: created_at score and job id ('' to start). */
export type EraseCursor = [score: string, jobId: string];

/** One erase.lua call from the cursor; the store fills in the keys and the other arguments. */
export type EraseBatch = (cursor: EraseCursor) => Promise<unknown>;

type EraseReply = [jobs: number, events: number, done: number, score: string, jobId: string, ...erasedIds: string[]];

/**
 * Calls erase.lua until its walk is done, then (actor erase) deletes the erased jobs' events.
 * Counts are the scripts' and XDEL's own: a job or an entry is counted by the call that
 * deletes it, so nothing is counted twice however often the loop reads.
 */
export async function eraseInBatches(redis: RedisClient, eventsKey: string, byActor: boolean, runBatch: EraseBatch): Promise<EraseResult> {
  let jobs = 0;
  let events = 0;
  const erasedIds = new Set<string>();
  // A workspace erase erases every job it looks at, so it always starts from the oldest left.
  let cursor: EraseCursor = ['', ''];
  for (;;) {
    const [erased, deleted, done, score, jobId, ...ids] = (await runBatch(cursor)) as EraseReply;
    jobs += Number(erased);
    events += Number(deleted);
    if (byActor) {
      for (const id of ids) erasedIds.add(id);
      cursor = [score, jobId];
    }
    if (Number(done) === 1) break;
  }
  if (erasedIds.size > 0) events += await deleteEventsOfJobs(redis, eventsKey, erasedIds);
  return { jobs, events };
}

/**
 * Deletes the entries of a workspace's event stream whose job_id is one of `jobIds`, reading
 * it in slices of EVENTS_PER_READ (the stream is capped near eventsMaxLen, so the walk is
 * bounded) and XDEL-ing each slice's matches. Done after the jobs are erased: an erased job
 * gets no new events, so the walk may stop at the newest entry it saw first.
 */
export async function deleteEventsOfJobs(redis: RedisClient, key: string, jobIds: ReadonlySet<string>): Promise<number> {
  const [newest] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  if (!newest) return 0;
  const end = newest[0];
  let deleted = 0;
  let start = '-';
  for (;;) {
    const entries = await redis.xrange(key, start, end, 'COUNT', EVENTS_PER_READ);
    const doomed = entries.filter(([, fields]) => jobIds.has(fieldOf(fields, 'job_id'))).map(([id]) => id);
    if (doomed.length > 0) deleted += await redis.xdel(key, ...doomed);
    const last = entries.at(-1);
    if (!last || entries.length < EVENTS_PER_READ) return deleted;
    start = `(${last[0]}`;
  }
}

function fieldOf(flat: string[], name: string): string {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) return flat[i + 1] as string;
  return '';
}
