import { isJobError } from '@opsconductor/jobs';
import type { ClaimedJob, Job, JobLease, JobStore } from '@opsconductor/jobs';
import type { Claimed, FailOutcome, WorkerJob, WorkerStore } from './worker-store';

/** A claim as the worker holds it: the job, and the lease (with its fencing token) the store checks. */
export interface StoreClaim extends Claimed {
  lease: JobLease;
}

const leaseLost = (err: unknown): boolean => isJobError(err) && err.code === 'LEASE_LOST';

/** Maps the store's answers onto the worker's: a lost lease is an outcome, not an error. */
export function workerStoreFor(store: JobStore, partitions: number): WorkerStore<StoreClaim> {
  const unlessLeaseLost = async <T>(run: () => Promise<T>, lost: T): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (leaseLost(err)) return lost;
      throw err;
    }
  };
  return {
    partitions,
    async claim(partition, opts) {
      const job = await store.claim(partition, opts);
      return job ? toClaim(job) : null;
    },
    extendLease: (claim, leaseMs) =>
      unlessLeaseLost<{ ok: boolean; cancelRequested: boolean }>(
        async () => ({ ok: true, cancelRequested: (await store.extendLease(claim.lease, leaseMs)).cancel_requested }),
        { ok: false, cancelRequested: false },
      ),
    complete: (claim, result) => unlessLeaseLost(async () => (await store.complete(claim.lease, result), true), false),
    completeAndClaim: (claim, result, opts) =>
      unlessLeaseLost<{ ok: boolean; next: StoreClaim | null }>(async () => {
        const next = await store.completeAndClaim(claim.lease, result, opts);
        return { ok: true, next: next ? toClaim(next) : null };
      }, { ok: false, next: null }),
    fail: (claim, error, opts) =>
      unlessLeaseLost<FailOutcome>(async () => {
        const { status } = await store.fail(claim.lease, error, opts);
        return status === 'dead' || status === 'cancelled' ? status : 'retry';
      }, 'lease_lost'),
    finishCancelled: (claim) => unlessLeaseLost(async () => (await store.finishCancelled(claim.lease), true), false),
    release: (claim) => unlessLeaseLost(async () => void (await store.release(claim.lease)), undefined),
    async reap(partition) {
      const { jobs = [] } = await store.reap(partition, { withJobs: true });
      return jobs.flatMap((job) =>
        job.status === 'pending' || job.status === 'dead' || job.status === 'cancelled'
          ? [{ job: toWorkerJob(job), status: job.status, errorCode: job.error?.code }]
          : [],
      );
    },
    promote: (partition) => store.promote(partition),
    prune: (partition) => store.prune(partition),
  };
}

function toClaim(job: ClaimedJob): StoreClaim {
  return { job: toWorkerJob(job), lease: leaseOf(job) };
}

function leaseOf(job: ClaimedJob): JobLease {
  return { workspace_id: job.workspace_id, job_id: job.job_id, attempts: job.attempts, lease_token: job.lease_token };
}

function toWorkerJob(job: Job): WorkerJob {
  const params = typeof job.params === 'object' && job.params !== null && !Array.isArray(job.params) ? (job.params as Record<string, unknown>) : {};
  return {
    job_id: job.job_id,
    workspace_id: job.workspace_id,
    actor_id: job.actor_id,
    action: job.action,
    params,
    submitted_params: job.params,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    trace: job.trace,
    queued_at_ms: Math.max(Date.parse(job.created_at), job.retry_at ? Date.parse(job.retry_at) : 0),
  };
}
