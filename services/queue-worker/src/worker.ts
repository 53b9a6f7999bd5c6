import type { Logger } from '@opsconductor/kit';
import type { AiPipeline } from '@opsconductor/pipeline-client';
import type { JobAudit } from './job-audit';
import type { WorkerMetrics } from './metrics';
import { runJob } from './run-job';
import type { Running } from './run-job';
import { WakeSignal } from './wake';
import type { Claimed, WorkerStore } from './worker-store';

export interface WorkerOptions<C extends Claimed> {
  store: WorkerStore<C>;
  pipeline: AiPipeline;
  logger: Logger;
  metrics: WorkerMetrics;
  /** The audit trail of the job transitions this worker makes (none when absent). */
  audit?: JobAudit;
  workerId: string;
  /** Jobs run at once by this process (default 4). */
  concurrency?: number;
  /** Lease (visibility timeout) of a claim in ms (default 30 s); extended while the job runs. */
  leaseMs?: number;
  /** Reap expired leases and promote due retries this often, in ms (default 1000). */
  maintenanceMs?: number;
  /** Longest idle wait without a wake-up message, in ms (default 5000): a safety net only. */
  idleMs?: number;
  /** Delete finished jobs past retention this often, in ms (default 60 s). */
  pruneMs?: number;
}

/**
 * A slot takes the next job of the same partition with each completion at most this many
 * times in a row, then claims round-robin again, so one busy partition cannot keep a slot
 * from the others.
 */
const MAX_STREAK = 16;

export interface Worker {
  /**
   * A job was enqueued or became due (the store's wake-up message names its partition): one
   * idle slot claims from that partition first. Without a partition every idle slot wakes.
   */
  wake(partition?: number): void;
  /** A running job was asked to stop (the store's cancel message). */
  cancel(jobId: string): void;
  /** Jobs running now. */
  readonly running: number;
  /**
   * Stops claiming, lets running jobs finish for up to `graceMs`, then gives the rest back
   * to the queue so another worker takes them at once.
   */
  stop(graceMs: number): Promise<void>;
}

/**
 * The claim loop: `concurrency` slots, each claiming from the partitions in turn (a slot
 * starts where the last one left off, so partitions are served round-robin) and waiting on
 * a wake-up when every partition is empty — no polling while idle.
 */
export function startWorker<C extends Claimed>(opts: WorkerOptions<C>): Worker {
  const concurrency = opts.concurrency ?? 4;
  const leaseMs = opts.leaseMs ?? 30_000;
  const heartbeatMs = Math.min(1000, Math.floor(leaseMs / 3));
  const idleMs = opts.idleMs ?? 5000;
  const wakeSignal = new WakeSignal();
  const running = new Map<string, Running>();
  let stopping = false;
  let nextPartition = 0;

  async function claimNext(first?: number): Promise<C | null> {
    if (first !== undefined && !stopping) {
      const claim = await opts.store.claim(first, { workerId: opts.workerId, leaseMs });
      if (claim) return claim;
    }
    for (let tried = 0; tried < opts.store.partitions && !stopping; tried++) {
      const partition = nextPartition;
      nextPartition = (nextPartition + 1) % opts.store.partitions;
      const claim = await opts.store.claim(partition, { workerId: opts.workerId, leaseMs });
      if (claim) return claim;
    }
    return null;
  }

  async function slot(): Promise<void> {
    // A job handed on by the previous completion (same partition), and how many in a row.
    let claim: C | null = null;
    let streak = 0;
    // The partition the last wake-up named, tried first.
    let hint: number | undefined;
    while (!stopping) {
      if (!claim) {
        streak = 0;
        try {
          claim = await claimNext(hint);
        } catch (err) {
          opts.logger.error({ err }, 'claim failed; waiting before the next try');
          hint = await wakeSignal.wait(1000);
          continue;
        }
        if (!claim) {
          hint = await wakeSignal.wait(idleMs);
          continue;
        }
        hint = undefined;
      }
      const handOn = streak < MAX_STREAK ? { workerId: opts.workerId, leaseMs } : undefined;
      const run = runJob(claim, { store: opts.store, pipeline: opts.pipeline, logger: opts.logger, metrics: opts.metrics, audit: opts.audit, leaseMs, heartbeatMs, claimNext: handOn });
      running.set(run.jobId, run);
      await run.done.catch((err: unknown) => opts.logger.error({ err, job_id: run.jobId }, 'job run crashed'));
      running.delete(run.jobId);
      claim = run.next;
      streak += 1;
    }
    // Stopped while holding a handed-on job that never started: back to the queue at once.
    if (claim) await opts.store.release(claim).catch((err: unknown) => opts.logger.warn({ err }, 'could not give a claimed job back'));
  }

  const pruneMs = opts.pruneMs ?? 60_000;
  let lastPrune = 0;
  async function maintain(): Promise<void> {
    if (Date.now() - lastPrune >= pruneMs) {
      lastPrune = Date.now();
      for (let p = 0; p < opts.store.partitions; p++) {
        const pruned = await opts.store.prune(p);
        if (pruned > 0) opts.logger.info({ partition: p, pruned }, 'finished jobs past retention deleted');
      }
    }
    for (let p = 0; p < opts.store.partitions; p++) {
      const [reaped, promoted] = await Promise.all([opts.store.reap(p), opts.store.promote(p)]);
      if (reaped.length > 0) opts.logger.warn({ partition: p, reaped: reaped.length }, 'expired leases: jobs taken back');
      for (const r of reaped) opts.audit?.reaped(r);
      if (reaped.length + promoted > 0) wakeSignal.wakeAll();
    }
  }
  let maintaining: Promise<void> = Promise.resolve();
  const maintenance = setInterval(() => {
    maintaining = maintain().catch((err: unknown) => opts.logger.error({ err }, 'queue maintenance failed'));
  }, opts.maintenanceMs ?? 1000);

  const slots = Array.from({ length: concurrency }, () => slot());

  return {
    wake(partition) {
      if (partition !== undefined && Number.isInteger(partition) && partition >= 0 && partition < opts.store.partitions) wakeSignal.wakeOne(partition);
      else wakeSignal.wakeAll();
    },
    cancel(jobId) {
      running.get(jobId)?.cancel();
    },
    get running() {
      return running.size;
    },
    async stop(graceMs) {
      stopping = true;
      clearInterval(maintenance);
      wakeSignal.close();
      const finished = Promise.all(slots);
      const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
      if ((await Promise.race([finished.then(() => 'done' as const), timer])) === 'late') {
        opts.logger.warn({ still_running: running.size }, 'grace period over: giving running jobs back to the queue');
        for (const run of running.values()) run.release();
        await finished;
      }
      await maintaining;
    },
  };
}
