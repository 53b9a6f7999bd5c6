/**
 * Model-based test: fast-check drives random sequences of store operations against the real
 * store (real Redis, a fresh key prefix per run) and against a plain in-memory model of the
 * state machine, and after every step compares statuses, attempts, cancel flags, list order,
 * per-status counts (depth) and ready-queue order. A divergence fails with the shrunk command
 * sequence (after the jitter seed), e.g. `[0, enqueue(ws0, p0, max1), claim(p0), release(lease#0)]`.
 *
 * Labels: enqueue(workspace, priority, max_attempts); claim/reap/promote(partition); `job#k`
 * is the k-th enqueued job (modulo how many exist), `lease#k` the k-th newest claim.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import {
  backoffCeilingMs,
  createJobStore,
  JOB_STATUSES,
  type ClaimedJob,
  type JobStatus,
  type JobStore,
} from '../src/index';
import { createTestClock, type TestClock } from './support/clock';
import { expectJobError } from './support/fixtures';
import { connectLocalRedis, deleteKeysWithPrefix, randomPrefix } from './support/redis';

const PARTITIONS = 2;
const LEASE_MS = 30_000;
/**
 * Where reap and promote move the clock first, relative to the partition's deadlines (lease
 * expiries, retry times): not at all, 1 ms before the earliest, exactly to it (deadlines are
 * inclusive), or past the latest.
 */
const CLOCK_MOVES = ['stay', 'before-first', 'at-first', 'past-last'] as const;
type ClockMove = (typeof CLOCK_MOVES)[number];

interface ModelJob {
  id: string;
  ws: string;
  partition: number;
  priority: number;
  maxAttempts: number;
  status: JobStatus;
  attempts: number;
  cancelRequested: boolean;
  createdAt: number;
  /** When it last entered the ready queue (FIFO inside a priority). */
  readyAt: number;
  /** Bumped by every claim: only a lease of the current generation is valid (fencing). */
  leaseGen: number;
  leaseExpiresAt: number;
  retryAt: number;
}

interface Model {
  now: number;
  jobs: ModelJob[];
  leases: Array<{ job: ModelJob; gen: number }>;
}

interface Real {
  store: JobStore;
  clock: TestClock;
  leases: ClaimedJob[];
}

type Cmd = fc.AsyncCommand<Model, Real>;

let redis: Redis;
/** Three workspaces over two partitions: both partitions used, one shared by two workspaces. */
let workspaces: string[];

beforeAll(() => {
  redis = connectLocalRedis();
  const probe = createJobStore({ redis, partitions: PARTITIONS });
  const candidates = Array.from({ length: 20 }, (_, i) => `ws-${i}`);
  const first = candidates[0]!;
  const other = candidates.find((w) => probe.partitionOf(w) !== probe.partitionOf(first))!;
  const sameAsFirst = candidates.find((w) => w !== first && probe.partitionOf(w) === probe.partitionOf(first))!;
  workspaces = [first, other, sameAsFirst];
});

afterAll(() => redis?.quit());

// ---- the model -------------------------------------------------------------------------

const member = (j: ModelJob) => `${j.ws}|${j.id}`;

/** The ready queue of a partition as the store orders it: priority 9 first, then FIFO. */
function readyQueue(m: Model, partition: number): ModelJob[] {
  return m.jobs
    .filter((j) => j.partition === partition && j.status === 'pending')
    .sort((a, b) => b.priority - a.priority || a.readyAt - b.readyAt || (member(a) < member(b) ? -1 : member(a) > member(b) ? 1 : 0));
}

function toPending(m: Model, j: ModelJob): void {
  j.status = 'pending';
  j.readyAt = m.now;
}

/** Every command starts one ms later, so enqueue times are unique and listing order is total. */
function tick(m: Model, r: Real, ms = 1): void {
  m.now += ms;
  r.clock.set(m.now);
}

function moveClock(m: Model, r: Real, deadlines: number[], move: ClockMove): void {
  if (move === 'stay' || deadlines.length === 0) return;
  const first = Math.min(...deadlines);
  const target = move === 'before-first' ? first - 1 : move === 'at-first' ? first : Math.max(...deadlines) + 1;
  if (target > m.now) tick(m, r, target - m.now);
}

/** A lease is good while its job is running under the same claim. */
const leaseHeld = (l: Model['leases'][number]) => l.job.status === 'running' && l.job.leaseGen === l.gen;

// ---- commands --------------------------------------------------------------------------

function command(label: string, check: (m: Readonly<Model>) => boolean, run: (m: Model, r: Real) => Promise<void>): Cmd {
  return {
    check,
    run: async (m, r) => {
      tick(m, r);
      await run(m, r);
      await verify(m, r);
    },
    toString: () => label,
  };
}

const always = () => true;
const anyJob = (m: Readonly<Model>) => m.jobs.length > 0;
const anyLease = (m: Readonly<Model>) => m.leases.length > 0;
const pickJob = (m: Model, k: number) => m.jobs[k % m.jobs.length]!;
/** Newest first, so small picks (which fast-check favours) hit live leases and large ones stale. */
const pickLease = (m: Model, r: Real, k: number) => {
  const i = m.leases.length - 1 - (k % m.leases.length);
  return { model: m.leases[i]!, real: r.leases[i]! };
};

const enqueue = (w: number, priority: number, maxAttempts: number) =>
  command(`enqueue(ws${w}, p${priority}, max${maxAttempts})`, always, async (m, r) => {
    const ws = workspaces[w]!;
    const { job, replayed } = await r.store.enqueue({ workspace_id: ws, actor_id: 'model', action: 'echo', priority, max_attempts: maxAttempts });
    expect(replayed).toBe(false);
    expect(job).toMatchObject({ status: 'pending', attempts: 0, priority, max_attempts: maxAttempts });
    m.jobs.push({
      id: job.job_id, ws, partition: r.store.partitionOf(ws), priority, maxAttempts, status: 'pending', attempts: 0,
      cancelRequested: false, createdAt: m.now, readyAt: m.now, leaseGen: 0, leaseExpiresAt: 0, retryAt: 0,
    });
  });

const claim = (p: number) =>
  command(`claim(p${p})`, always, async (m, r) => {
    const claimed = await r.store.claim(p, { workerId: 'model-worker', leaseMs: LEASE_MS });
    const next = readyQueue(m, p)[0];
    if (!next) {
      expect(claimed).toBeNull();
      return;
    }
    expect(claimed?.job_id).toBe(next.id);
    next.status = 'running';
    next.attempts += 1;
    next.leaseGen += 1;
    next.leaseExpiresAt = m.now + LEASE_MS;
    expect(claimed).toMatchObject({ status: 'running', attempts: next.attempts });
    m.leases.push({ job: next, gen: next.leaseGen });
    r.leases.push(claimed!);
  });

const extendLease = (k: number) =>
  command(`extendLease(lease#${k})`, anyLease, async (m, r) => {
    const l = pickLease(m, r, k);
    if (!leaseHeld(l.model)) return expectJobError(r.store.extendLease(l.real, LEASE_MS), 'LEASE_LOST', l.model.job.status);
    const answer = await r.store.extendLease(l.real, LEASE_MS);
    l.model.job.leaseExpiresAt = m.now + LEASE_MS;
    expect(answer).toEqual({ lease_expires_at: new Date(m.now + LEASE_MS).toISOString(), cancel_requested: l.model.job.cancelRequested });
  });

const complete = (k: number) =>
  command(`complete(lease#${k})`, anyLease, async (m, r) => {
    const l = pickLease(m, r, k);
    if (!leaseHeld(l.model)) return expectJobError(r.store.complete(l.real, { ok: true }), 'LEASE_LOST', l.model.job.status);
    const job = await r.store.complete(l.real, { ok: true });
    l.model.job.status = 'completed';
    expect(job.status).toBe('completed');
  });

const fail = (k: number, retryable: boolean) =>
  command(`fail(lease#${k}, ${retryable ? 'retryable' : 'permanent'})`, anyLease, async (m, r) => {
    const l = pickLease(m, r, k);
    const call = r.store.fail(l.real, { code: 'TOOL_ERROR', message: 'boom' }, { retryable });
    if (!leaseHeld(l.model)) return expectJobError(call, 'LEASE_LOST', l.model.job.status);
    const job = await call;
    const j = l.model.job;
    if (j.cancelRequested) j.status = 'cancelled';
    else if (retryable && j.attempts < j.maxAttempts) {
      j.status = 'failed';
      // The jitter is the store's to draw; the model only holds it to the ceiling.
      j.retryAt = Date.parse(job.retry_at ?? '');
      expect(j.retryAt).toBeGreaterThanOrEqual(m.now);
      expect(j.retryAt).toBeLessThan(m.now + backoffCeilingMs(j.attempts));
    } else j.status = 'dead';
    expect(job.status).toBe(j.status);
  });

const finishCancelled = (k: number) =>
  command(`finishCancelled(lease#${k})`, anyLease, async (m, r) => {
    const l = pickLease(m, r, k);
    if (!leaseHeld(l.model)) return expectJobError(r.store.finishCancelled(l.real), 'LEASE_LOST', l.model.job.status);
    if (!l.model.job.cancelRequested) return expectJobError(r.store.finishCancelled(l.real), 'CONFLICT', 'running');
    await r.store.finishCancelled(l.real);
    l.model.job.status = 'cancelled';
  });

const release = (k: number) =>
  command(`release(lease#${k})`, anyLease, async (m, r) => {
    const l = pickLease(m, r, k);
    if (!leaseHeld(l.model)) return expectJobError(r.store.release(l.real), 'LEASE_LOST', l.model.job.status);
    await r.store.release(l.real);
    const j = l.model.job;
    if (j.cancelRequested) j.status = 'cancelled';
    else {
      j.attempts -= 1; // a released attempt does not count
      toPending(m, j);
    }
  });

const cancel = (k: number) =>
  command(`cancel(job#${k})`, anyJob, async (m, r) => {
    const j = pickJob(m, k);
    if (j.status !== 'pending' && j.status !== 'running') return expectJobError(r.store.cancel(j.ws, j.id), 'CONFLICT', j.status);
    const { outcome, job } = await r.store.cancel(j.ws, j.id);
    if (j.status === 'pending') {
      j.status = 'cancelled';
      expect(outcome).toBe('cancelled');
    } else {
      j.cancelRequested = true;
      expect(outcome).toBe('cancelling');
    }
    expect(job.status).toBe(j.status);
  });

const retry = (k: number) =>
  command(`retry(job#${k})`, anyJob, async (m, r) => {
    const j = pickJob(m, k);
    if (j.status !== 'failed' && j.status !== 'dead') return expectJobError(r.store.retry(j.ws, j.id), 'CONFLICT', j.status);
    await r.store.retry(j.ws, j.id);
    j.attempts = 0;
    j.cancelRequested = false;
    toPending(m, j);
  });

const reap = (p: number, move: ClockMove) =>
  command(`reap(p${p}, clock ${move})`, always, async (m, r) => {
    const running = m.jobs.filter((j) => j.partition === p && j.status === 'running');
    moveClock(m, r, running.map((j) => j.leaseExpiresAt), move);
    const result = await r.store.reap(p);
    const expected = { requeued: 0, dead: 0, cancelled: 0 };
    const expired = running.filter((j) => j.leaseExpiresAt <= m.now);
    for (const j of expired) {
      if (j.cancelRequested) {
        j.status = 'cancelled';
        expected.cancelled++;
      } else if (j.attempts >= j.maxAttempts) {
        j.status = 'dead';
        expected.dead++;
      } else {
        toPending(m, j);
        expected.requeued++;
      }
    }
    expect(result).toEqual(expected);
  });

const promote = (p: number, move: ClockMove) =>
  command(`promote(p${p}, clock ${move})`, always, async (m, r) => {
    const failed = m.jobs.filter((j) => j.partition === p && j.status === 'failed');
    moveClock(m, r, failed.map((j) => j.retryAt), move);
    const promoted = await r.store.promote(p);
    const due = failed.filter((j) => j.retryAt <= m.now);
    due.forEach((j) => toPending(m, j));
    expect(promoted).toBe(due.length);
  });

// ---- the comparison after every step ---------------------------------------------------

async function verify(m: Model, r: Real): Promise<void> {
  const summary = (j: { id: string; status: JobStatus; attempts: number; cancelRequested: boolean }) =>
    `${j.id} ${j.status} attempts=${j.attempts}${j.cancelRequested ? ' cancel_requested' : ''}`;
  const queues = Array.from({ length: PARTITIONS }, (_, p) => readyQueue(m, p));
  // Everything read at once: the store is idle between commands, so the reads agree.
  const [depth, lists, positions] = await Promise.all([
    r.store.depth(),
    Promise.all(workspaces.map((ws) => Promise.all([undefined, ...JOB_STATUSES].map((status) => r.store.list(ws, { status, limit: 100 }))))),
    Promise.all(queues.map((queue) => Promise.all(queue.map((j) => r.store.queuePosition(j.ws, j.id))))),
  ]);
  expect(depth).toEqual(Object.fromEntries(JOB_STATUSES.map((s) => [s, m.jobs.filter((j) => j.status === s).length])));
  workspaces.forEach((ws, w) => {
    const mine = m.jobs.filter((j) => j.ws === ws).sort((a, b) => b.createdAt - a.createdAt);
    const [all, ...byStatus] = lists[w]!;
    const seen = all!.jobs.map((j) => summary({ id: j.job_id, status: j.status, attempts: j.attempts, cancelRequested: j.cancel_requested }));
    expect({ ws, jobs: seen }).toEqual({ ws, jobs: mine.map(summary) });
    JOB_STATUSES.forEach((status, i) => {
      const ids = byStatus[i]!.jobs.map((j) => j.job_id);
      expect({ ws, status, ids }).toEqual({ ws, status, ids: mine.filter((j) => j.status === status).map((j) => j.id) });
    });
  });
  queues.forEach((queue, p) => expect({ partition: p, positions: positions[p] }).toEqual({ partition: p, positions: queue.map((_, i) => i + 1) }));
}

// ---- the property ----------------------------------------------------------------------

const partition = fc.integer({ min: 0, max: PARTITIONS - 1 });
const pick = fc.nat({ max: 39 });
// fc.commands has no weights: listing an arbitrary twice makes it twice as likely, which
// gets sequences past enqueue/claim into retries, leases lost and the DLQ.
const commands = fc.commands(
  [
    fc.tuple(fc.nat({ max: 2 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 3 })).map(([w, p, a]) => enqueue(w, p, a)),
    fc.tuple(fc.nat({ max: 2 }), fc.constantFrom(5, 9)).map(([w, p]) => enqueue(w, p, 2)),
    partition.map(claim),
    partition.map(claim),
    pick.map(extendLease),
    pick.map(complete),
    fc.tuple(pick, fc.boolean()).map(([k, retryable]) => fail(k, retryable)),
    pick.map((k) => fail(k, true)),
    pick.map(finishCancelled),
    pick.map(release),
    pick.map(cancel),
    pick.map(retry),
    fc.tuple(partition, fc.constantFrom(...CLOCK_MOVES)).map(([p, move]) => reap(p, move)),
    fc.tuple(partition, fc.constantFrom(...CLOCK_MOVES)).map(([p, move]) => promote(p, move)),
  ],
  { maxCommands: 40, size: 'max' },
);

/** mulberry32: a seeded jitter source, so a failing run replays with the same retry times. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('job store against an in-memory model', () => {
  it('agrees with the model after every step of random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), commands, async (seed, cmds) => {
        const prefix = randomPrefix('model');
        const clock = createTestClock();
        const store = createJobStore({ redis, prefix, partitions: PARTITIONS, now: clock.now, random: seededRandom(seed) });
        try {
          await fc.asyncModelRun(() => ({ model: { now: clock.now(), jobs: [], leases: [] }, real: { store, clock, leases: [] } }), cmds);
        } finally {
          await deleteKeysWithPrefix(redis, prefix);
        }
      }),
      { numRuns: 30 },
    );
  });
});
