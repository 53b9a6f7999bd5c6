import type { BackoffOptions } from './backoff';
import type { RedisClient } from './scripts';

export interface JobStoreOptions {
  /** Client for commands and scripts: an ioredis `Redis` or `Cluster`, without `keyPrefix`. */
  redis: RedisClient;
  /** Separate connection for blocking reads (events with `blockMs`); XREAD BLOCK would stall `redis`. */
  blockingRedis?: RedisClient;
  /** First part of every key's hash tag and of the pub/sub channels. Default `oc`. */
  prefix?: string;
  /** Queue partitions; part of the data format (workspaces move if it changes). Default 16. */
  partitions?: number;
  /** Finished jobs are pruned this many days after they finish. Default 180. */
  retentionDays?: number;
  /** Pending jobs one workspace may have; beyond it enqueue fails RATE_LIMITED. Default 10000. */
  maxPendingPerWorkspace?: number;
  /** Life of an idempotency key, seconds. Default 86400 (24 h). */
  idempotencyTtlS?: number;
  /** Approximate cap of each workspace's event stream. Default 10000. */
  eventsMaxLen?: number;
  /** Retry delays; defaults give ceilings of 1 s, 5 s, 25 s, 125 s. */
  backoff?: BackoffOptions;
  /** Clock in epoch ms; every time the store writes comes from it. Default Date.now. */
  now?: () => number;
  /** Uniform [0, 1) source for backoff jitter. Default Math.random. */
  random?: () => number;
}

export interface ResolvedOptions {
  prefix: string;
  partitions: number;
  retentionMs: number;
  maxPending: number;
  idempotencyTtlMs: number;
  eventsMaxLen: number;
  /** PEXPIRE of finished job records: retention plus a week, so prune normally wins. */
  finishedTtlMs: number;
  backoff: BackoffOptions;
  now: () => number;
  random: () => number;
}

const DAY_MS = 86_400_000;

export function resolveOptions(opts: JobStoreOptions): ResolvedOptions {
  const prefix = opts.prefix ?? 'oc';
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(prefix)) throw new Error('jobs: prefix must match ^[A-Za-z0-9_.-]{1,32}$');
  const partitions = opts.partitions ?? 16;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) throw new Error('jobs: partitions must be 1 to 1024');
  const retentionMs = (opts.retentionDays ?? 180) * DAY_MS;
  return {
    prefix,
    partitions,
    retentionMs,
    maxPending: opts.maxPendingPerWorkspace ?? 10_000,
    idempotencyTtlMs: (opts.idempotencyTtlS ?? 86_400) * 1000,
    eventsMaxLen: opts.eventsMaxLen ?? 10_000,
    finishedTtlMs: retentionMs + 7 * DAY_MS,
    backoff: opts.backoff ?? {},
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
  };
}
