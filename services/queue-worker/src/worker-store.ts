/**
 * What the worker needs of the job store (services/jobs). Kept narrow so the run logic can be
 * read, and tested, apart from Redis.
 */
export interface WorkerJob {
  job_id: string;
  workspace_id: string;
  actor_id: string;
  action: string;
  /** The params as the pipeline gets them: an object (a job's params may be any JSON value). */
  params: Record<string, unknown>;
  /** The params as submitted, whatever their JSON type: what the audit rows hash. */
  submitted_params: unknown;
  attempts: number;
  max_attempts: number;
  trace?: { trace_id: string; traceparent?: string; tracestate?: string } | null;
  /** Epoch ms since when the job has waited to run: its creation, or the due time of its retry. */
  queued_at_ms?: number;
}

/**
 * The trace id a job runs under: the one of the request that submitted it, else its job id
 * (what ai-pipeline then logs it under).
 */
export function jobTraceId(job: WorkerJob): string {
  return job.trace?.trace_id ?? job.job_id;
}

/** A job this worker holds a lease on; the store's own claim handle (with its fencing token). */
export interface Claimed {
  job: WorkerJob;
}

/** A job whose lease expired (its worker died or stalled), after the reaper moved it. */
export interface ReapedJob {
  job: WorkerJob;
  status: 'pending' | 'dead' | 'cancelled';
  /** The error it ended with (LEASE_EXPIRED when it went dead). */
  errorCode?: string;
}

/** `cancelled`: a cancel was requested while the job ran; cancel wins over a retry. */
export type FailOutcome = 'retry' | 'dead' | 'cancelled' | 'lease_lost';

export interface WorkerStore<C extends Claimed = Claimed> {
  readonly partitions: number;
  claim(partition: number, opts: { workerId: string; leaseMs: number }): Promise<C | null>;
  /** ok=false: the lease was lost (expired and reaped); the job is no longer ours. */
  extendLease(claim: C, leaseMs: number): Promise<{ ok: boolean; cancelRequested: boolean }>;
  /** false: the lease was lost before the result could be stored. */
  complete(claim: C, result: unknown): Promise<boolean>;
  /**
   * complete() that also leases the next ready job of the same partition in the same call
   * (`next`, null when none is ready or the lease was lost): one round trip per busy job.
   */
  completeAndClaim(claim: C, result: unknown, opts: { workerId: string; leaseMs: number }): Promise<{ ok: boolean; next: C | null }>;
  fail(claim: C, error: { code: string; message: string }, opts: { retryable: boolean }): Promise<FailOutcome>;
  finishCancelled(claim: C): Promise<boolean>;
  /** Gives the job back now (shutdown): pending again for another worker, at once. */
  release(claim: C): Promise<void>;
  /** Expired leases taken back: each job as it now is (pending again, dead, or cancelled). */
  reap(partition: number): Promise<ReapedJob[]>;
  promote(partition: number): Promise<number>;
  /** Deletes finished jobs older than the retention; returns how many. */
  prune(partition: number): Promise<number>;
}
