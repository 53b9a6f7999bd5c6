import { randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { backoffDelayMs } from './backoff';
import { decodeCursor, encodeCursor } from './cursor';
import { DEFAULT_ERASE_BATCH, eraseInBatches, type EraseOptions, type EraseResult } from './erase';
import { JobError, invalid } from './errors';
import { decodeXread, type JobEvent } from './events';
import { decodeJob, encodeRecord, JOB_STATUSES, type ClaimedJob, type Job, type JobErrorInfo, type JobLease, type JobStatus } from './job';
import { createKeySpace, type KeySpace } from './keys';
import { pageNewestFirstAcross } from './listing';
import { createScriptRunner, type ScriptName } from './scripts';
import { resolveOptions, type JobStoreOptions } from './store-options';
import { checkActorId, checkLimit, checkStatus, checkWorkspace, intInRange, normalizeInput, type EnqueueInput } from './validate';

export interface JobPage {
  jobs: Job[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface ClaimOptions {
  workerId: string;
  /** Visibility timeout: the job returns to the queue if the lease is not extended in time. */
  leaseMs: number;
}

export interface BatchOptions {
  /** Most jobs one script call handles (keeps each script short). Default 100. */
  limit?: number;
}

export interface ReapResult {
  requeued: number;
  dead: number;
  cancelled: number;
  /** With `withJobs`: each reaped job as it now is (pending again, dead or cancelled). */
  jobs?: Job[];
}

export type JobStore = ReturnType<typeof createJobStore>;

/** `W|<id>` partition members grouped by workspace: one workspace's records share a slot (one MGET). */
function byWorkspace(members: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const member of members) {
    const sep = member.indexOf('|');
    const ws = member.slice(0, sep);
    groups.set(ws, [...(groups.get(ws) ?? []), member.slice(sep + 1)]);
  }
  return groups;
}

/**
 * The random part of lease tokens: 16 hex digits, a random half per store and a counter half.
 * A fencing token must only differ from the job's previous ones (the attempt count leads it);
 * crypto.randomBytes per claim cost ~2 % of a busy worker's CPU.
 */
function leaseTokenSource(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let counter = randomBytes(4).readUInt32BE(0);
  return () => {
    counter = (counter + 1) >>> 0;
    return prefix + counter.toString(16).padStart(8, '0');
  };
}

/** Workspaces one prune script call looks at, so a partition of many workspaces never blocks Redis long. */
const PRUNE_WORKSPACES_PER_CALL = 200;

/** A cursor score as Redis reads it: an integer without exponent notation. */
const fmtScore = (score: number): string => score.toFixed(0);

/** The job store and queue on Redis. Every state change is one Lua script (lua/). */
export function createJobStore(options: JobStoreOptions) {
  const o = resolveOptions(options);
  const redis = options.redis;
  const keys: KeySpace = createKeySpace(o.prefix, o.partitions);
  const scripts = createScriptRunner(redis);
  const leaseTokens = leaseTokenSource();

  const checkPartition = (p: number): void => {
    if (!Number.isInteger(p) || p < 0 || p >= o.partitions) throw invalid('partition', `must be 0 to ${o.partitions - 1}`);
  };
  const checkJobId = (id: string): void => {
    if (typeof id !== 'string' || id.length < 1 || id.length > 64) throw new JobError('NOT_FOUND', 'job not found');
  };

  /** Runs a script on one job: its record's key, then member, now, MAXLEN, finished TTL, extra. */
  async function onJob(name: ScriptName, ws: string, id: string, extra: (string | number)[] = []): Promise<unknown> {
    checkWorkspace(ws);
    checkJobId(id);
    const argv = [keys.member(ws, id), o.now(), o.eventsMaxLen, o.finishedTtlMs, ...extra];
    return scripts.run(name, [keys.job(ws, id)], argv);
  }

  /** Runs a script on a partition: its own keys, then tag, now, MAXLEN, finished TTL, extra. */
  async function onPartition(name: ScriptName, p: number, partitionKeys: string[], extra: (string | number)[]): Promise<unknown> {
    checkPartition(p);
    return scripts.run(name, partitionKeys, [keys.tag(p), o.now(), o.eventsMaxLen, o.finishedTtlMs, ...extra]);
  }

  const onLease = (name: ScriptName, lease: JobLease, extra: (string | number)[] = []) =>
    onJob(name, lease.workspace_id, lease.job_id, [lease.lease_token, ...extra]);

  async function fetchJobs(ws: string, ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    // One workspace's records share a slot, so one MGET works on a Cluster too.
    const records = await redis.mget(...ids.map((id) => keys.job(ws, id)));
    return records.flatMap((record) => (record === null ? [] : [decodeJob(record)]));
  }

  return {
    keys,
    channels: keys.channels,
    partitions: o.partitions,
    partitionOf: (ws: string): number => keys.partitionOf(ws),

    /** Adds a pending job; with a known `client_request_id` returns the original (`replayed`). */
    async enqueue(input: EnqueueInput): Promise<{ job: Job; replayed: boolean }> {
      const n = normalizeInput(input);
      const id = uuidv7();
      const now = o.now();
      const fields: Record<string, string> = {
        job_id: id,
        workspace_id: n.workspace_id,
        actor_id: n.actor_id,
        action: n.action,
        priority: String(n.priority),
        max_attempts: String(n.max_attempts),
        created_at: String(now),
        status: 'pending',
        attempts: '0',
        cancel_requested: '0',
        enqueued_at: String(now),
      };
      // The body hash only serves a replay of the same client_request_id.
      if (n.client_request_id !== undefined) Object.assign(fields, { client_request_id: n.client_request_id, body_hash: n.body_hash });
      if (n.trace !== undefined) fields.trace = JSON.stringify(n.trace);
      const paramsJson = n.params_json;
      const idemKey = keys.idempotency(n.workspace_id, n.client_request_id ?? '');
      const argv = [
        keys.member(n.workspace_id, id), now, o.eventsMaxLen, o.finishedTtlMs, encodeRecord(fields, paramsJson),
        n.client_request_id === undefined ? '0' : '1', n.body_hash, o.idempotencyTtlMs, o.maxPending,
        keys.channels.wake, keys.partitionOf(n.workspace_id), now, n.priority,
      ];
      const [outcome, record] = (await scripts.run('enqueue', [keys.job(n.workspace_id, id), idemKey], argv)) as [string, string?];
      if (outcome === 'replayed') return { job: decodeJob(record ?? ''), replayed: true };
      // Stored exactly as sent (lua/enqueue.lua), so the answer is built here, not read back.
      return { job: decodeJob({ ...fields, params: paramsJson }), replayed: false };
    },

    /** The job, or null when it does not exist in this workspace. */
    async get(ws: string, id: string): Promise<Job | null> {
      checkWorkspace(ws);
      if (typeof id !== 'string' || id.length < 1 || id.length > 64) return null;
      const [job] = await fetchJobs(ws, [id]);
      return job ?? null;
    },

    /** A workspace's jobs, newest first; `limit` 1–100 (default 100). */
    async list(ws: string, opts: { status?: JobStatus; limit?: number; cursor?: string } = {}): Promise<JobPage> {
      checkWorkspace(ws);
      checkStatus(opts.status);
      const limit = checkLimit(opts.limit, 100);
      const indexes = opts.status ? [keys.index(ws, opts.status)] : JOB_STATUSES.map((s) => keys.index(ws, s));
      const at = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
      const [nextScore, nextMember, ...records] = (await scripts.run('list', indexes, [
        keys.job(ws, ''), limit, at ? fmtScore(at.score) : '', at?.member ?? '',
      ])) as [string, string, ...Array<string | null>];
      const jobs = records.flatMap((record) => (typeof record === 'string' ? [decodeJob(record)] : []));
      const next = nextScore === '' ? null : { score: Number(nextScore), member: nextMember };
      return { jobs, next_cursor: next ? encodeCursor(next) : null };
    },

    /** Leases the next ready job of a partition, or null when none is ready. */
    async claim(partition: number, opts: ClaimOptions): Promise<ClaimedJob | null> {
      checkPartition(partition);
      const p = partition;
      const reply = await onPartition('claim', p, [keys.ready(p), keys.leases(p), keys.stats(p)], [
        opts.leaseMs, opts.workerId, leaseTokens(),
      ]);
      return reply ? (decodeJob(reply as string) as ClaimedJob) : null;
    },

    /** Heartbeat: pushes the lease out by `leaseMs` from now; tells whether a cancel was requested. */
    async extendLease(lease: JobLease, leaseMs: number): Promise<{ lease_expires_at: string; cancel_requested: boolean }> {
      const [expires, cancel] = (await onLease('extend-lease', lease, [leaseMs])) as [string, string];
      return { lease_expires_at: new Date(Number(expires)).toISOString(), cancel_requested: cancel === '1' };
    },

    async complete(lease: JobLease, result: unknown): Promise<Job> {
      return decodeJob((await onLease('complete', lease, [JSON.stringify(result ?? null)])) as string);
    },

    /**
     * Completes the job and, in the same script, leases the next ready job of its partition
     * (null when none is ready): a busy worker pays one round trip per job instead of two.
     */
    async completeAndClaim(lease: JobLease, result: unknown, opts: ClaimOptions): Promise<ClaimedJob | null> {
      const [outcome, hash] = (await onLease('complete', lease, [
        JSON.stringify(result ?? null), opts.leaseMs, opts.workerId, leaseTokens(),
      ])) as [string, string?];
      return outcome === 'next' && hash ? (decodeJob(hash) as ClaimedJob) : null;
    },

    /** A failed attempt: retried after backoff when retryable and attempts remain, else dead. */
    async fail(lease: JobLease, error: JobErrorInfo, opts: { retryable: boolean }): Promise<Job> {
      const retryAt = o.now() + backoffDelayMs(lease.attempts, o.backoff, o.random);
      const errorJson = JSON.stringify({ code: error.code, message: error.message });
      return decodeJob((await onLease('fail', lease, [errorJson, opts.retryable ? '1' : '0', retryAt])) as string);
    },

    /** The worker stopped a job whose cancel was requested: running → cancelled. */
    async finishCancelled(lease: JobLease): Promise<Job> {
      return decodeJob((await onLease('finish-cancelled', lease)) as string);
    },

    /** Gives a running job back (graceful shutdown) without counting the attempt. */
    async release(lease: JobLease): Promise<Job> {
      const p = keys.partitionOf(lease.workspace_id);
      return decodeJob((await onLease('release', lease, [keys.channels.wake, p])) as string);
    },

    /** Pending → cancelled at once; running → cancel requested (`cancelling`). */
    async cancel(ws: string, id: string): Promise<{ job: Job; outcome: 'cancelled' | 'cancelling' }> {
      const [outcome, hash] = (await onJob('cancel', ws, id, [keys.channels.cancel])) as [string, string];
      return { job: decodeJob(hash), outcome: outcome as 'cancelled' | 'cancelling' };
    },

    /** Failed or dead → pending at once, attempts reset. */
    async retry(ws: string, id: string): Promise<Job> {
      return decodeJob((await onJob('retry', ws, id, ['failed,dead', keys.channels.wake, keys.partitionOf(ws)])) as string);
    },

    /** Operator replay from the DLQ: dead → pending. */
    async replayDead(ws: string, id: string): Promise<Job> {
      return decodeJob((await onJob('retry', ws, id, ['dead', keys.channels.wake, keys.partitionOf(ws)])) as string);
    },

    /** The DLQ across all partitions, most recently dead first. */
    async listDead(opts: { limit?: number; cursor?: string } = {}): Promise<JobPage> {
      const limit = checkLimit(opts.limit, 100);
      const deadKeys = Array.from({ length: o.partitions }, (_, p) => keys.dead(p));
      const page = await pageNewestFirstAcross(redis, deadKeys, limit, opts.cursor);
      const found = new Map<string, Job>();
      await Promise.all(
        [...byWorkspace(page.items.map((i) => i.member))].map(async ([ws, ids]) => {
          for (const job of await fetchJobs(ws, ids)) found.set(keys.member(ws, job.job_id), job);
        }),
      );
      const jobs = page.items.flatMap((i) => found.get(i.member) ?? []);
      return { jobs, next_cursor: page.next ? encodeCursor(page.next) : null };
    },

    /**
     * Expired leases of a partition → pending (or dead when attempts are used up, or cancelled
     * when a cancel was asked for). `withJobs` also reads the reaped jobs back (for the audit).
     */
    async reap(partition: number, opts: BatchOptions & { withJobs?: boolean } = {}): Promise<ReapResult> {
      const p = partition;
      checkPartition(p);
      const [requeued, dead, cancelled, reaped] = (await onPartition('reap', p,
        [keys.leases(p), keys.ready(p), keys.dead(p), keys.stats(p)],
        [opts.limit ?? 100, keys.channels.wake, p])) as [number, number, number, string[]];
      const counts = { requeued: requeued ?? 0, dead: dead ?? 0, cancelled: cancelled ?? 0 };
      if (!opts.withJobs) return counts;
      const jobs = (await Promise.all([...byWorkspace(reaped ?? [])].map(([ws, ids]) => fetchJobs(ws, ids)))).flat();
      return { ...counts, jobs };
    },

    /** Failed jobs of a partition whose retry is due → pending. Returns how many. */
    async promote(partition: number, opts: BatchOptions = {}): Promise<number> {
      const p = partition;
      checkPartition(p);
      return (await onPartition('promote', p, [keys.delayed(p), keys.ready(p), keys.stats(p)], [
        opts.limit ?? 100, keys.channels.wake, p,
      ])) as number;
    },

    /** Deletes a partition's finished jobs created more than retentionDays ago. Returns how many. */
    async prune(partition: number, opts: BatchOptions = {}): Promise<number> {
      const p = partition;
      checkPartition(p);
      const limit = opts.limit ?? 100;
      const cutoff = o.now() - o.retentionMs;
      const partitionKeys = [keys.workspaces(p), keys.dead(p), keys.stats(p), keys.pruneCursor(p)];
      // Each call walks a bounded slice of the workspaces; go on until every workspace was
      // seen once (from wherever the last walk stopped) or the batch is full.
      let pruned = 0;
      let ends = 0;
      let endsNeeded: number | undefined;
      while (pruned < limit) {
        const [n, reachedEnd, fromStart] = (await onPartition('prune', p, partitionKeys, [cutoff, limit - pruned, PRUNE_WORKSPACES_PER_CALL])) as number[];
        pruned += n ?? 0;
        endsNeeded ??= fromStart === 1 ? 1 : 2;
        ends += reachedEnd ?? 0;
        if (ends >= endsNeeded) break;
      }
      return pruned;
    },

    /**
     * GDPR erasure. Without `actorId`: every job of the workspace (whatever its status; a running
     * job's worker gets LEASE_LOST), its idempotency keys and its event stream. With `actorId`:
     * that actor's jobs and the events of those jobs. Runs in script calls of at most `batch`
     * jobs each, so Redis is never held long; jobs enqueued while it runs may survive it.
     */
    async erase(ws: string, opts: EraseOptions = {}): Promise<EraseResult> {
      checkWorkspace(ws);
      if (opts.actorId !== undefined) checkActorId(opts.actorId);
      const batch = intInRange('batch', opts.batch, 1, 1000, DEFAULT_ERASE_BATCH);
      const p = keys.partitionOf(ws);
      const eventsKey = keys.events(ws);
      return eraseInBatches(redis, eventsKey, opts.actorId !== undefined, (cursor) =>
        onPartition('erase', p, [eventsKey], [ws, opts.actorId ?? '', batch, ...cursor]));
    },

    /** A workspace's events after the stream id `after` (default: from the start), oldest first. */
    async events(ws: string, opts: { after?: string; count?: number; blockMs?: number } = {}): Promise<JobEvent[]> {
      checkWorkspace(ws);
      const count = opts.count ?? 100;
      const key = keys.events(ws);
      const after = opts.after ?? '0-0';
      if (opts.blockMs === undefined) return decodeXread(await redis.call('XREAD', 'COUNT', count, 'STREAMS', key, after));
      if (!options.blockingRedis) throw new Error('jobs: events with blockMs need the blockingRedis option');
      return decodeXread(await options.blockingRedis.call('XREAD', 'COUNT', count, 'BLOCK', opts.blockMs, 'STREAMS', key, after));
    },

    /** 1-based place of a pending job in its partition's ready queue (all workspaces), else null. */
    async queuePosition(ws: string, id: string): Promise<number | null> {
      checkWorkspace(ws);
      const rank = await redis.zrank(keys.ready(keys.partitionOf(ws)), keys.member(ws, id));
      return rank === null ? null : rank + 1;
    },

    /**
     * How long, in ms by the store's clock, the longest-waiting job ready to run has been in the
     * ready queue, over all partitions; null when no job is ready. A job's wait counts from when
     * it last entered the queue (enqueue, retry due, lease lost, release). One short read-only
     * script per partition.
     */
    async oldestReadyAgeMs(): Promise<number | null> {
      const heads = await Promise.all(
        Array.from({ length: o.partitions }, (_, p) => onPartition('oldest-ready', p, [keys.ready(p)], []) as Promise<string | null>),
      );
      const enqueued = heads.flatMap((at) => (at === null ? [] : [Number(at)]));
      return enqueued.length === 0 ? null : Math.max(0, o.now() - Math.min(...enqueued));
    },

    /** Job counts per status over all partitions (exact: every script keeps T:stats). */
    async depth(): Promise<Record<JobStatus, number>> {
      const stats = await Promise.all(Array.from({ length: o.partitions }, (_, p) => redis.hgetall(keys.stats(p))));
      const total = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
      for (const hash of stats) for (const s of JOB_STATUSES) total[s] += Number(hash[s] ?? 0);
      return total;
    },
  };
}
