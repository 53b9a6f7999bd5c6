import { auditParams } from '@opsconductor/db';
import type { AuditEvent, AuditRow } from '@opsconductor/db';
import type { RunOutcome } from './metrics';
import { jobTraceId } from './worker-store';
import type { ReapedJob, WorkerJob } from './worker-store';

/** Where rows go: AuditWriter.record, which only buffers (never throws, never waits). */
export interface AuditSink {
  record(row: AuditRow): void;
}

/** The audit trail of the transitions this worker makes (docs/decisions/guardrails.md). */
export interface JobAudit {
  /** An attempt of a claimed job begins: records `started`; the handle records how it ends. */
  started(job: WorkerJob): AttemptAudit;
  /**
   * An attempt whose worker died or stalled, as the reaper ended it: `failed` (pending again),
   * `dead` or `cancelled`. Whichever worker reaps it records it.
   */
  reaped(reaped: ReapedJob): void;
}

export interface AttemptAudit {
  /** `errorCode`: the code the attempt failed with (kept on `failed` and `dead` rows). */
  ended(outcome: RunOutcome, details: { durationMs: number; errorCode?: string }): void;
}

/**
 * The row each run outcome writes. A lost lease writes none: the job is no longer this
 * worker's (reaped, or erased by an admin), so whatever happened to it is not this attempt's
 * to record. A released job (shutdown) is pending again; its next attempt writes `started`.
 * A cancel is what the user asked for, so its outcome is `success`.
 */
const ENDINGS: Record<RunOutcome, { event: AuditEvent; outcome: AuditRow['outcome'] } | null> = {
  completed: { event: 'completed', outcome: 'success' },
  retry: { event: 'failed', outcome: 'error' },
  dead: { event: 'dead', outcome: 'error' },
  cancelled: { event: 'cancelled', outcome: 'success' },
  lease_lost: null,
  released: null,
};

/** The reaper's ending of an attempt, as the row it writes. */
const REAPED: Record<ReapedJob['status'], { event: AuditEvent; outcome: AuditRow['outcome'] }> = {
  pending: { event: 'failed', outcome: 'error' },
  dead: { event: 'dead', outcome: 'error' },
  cancelled: { event: 'cancelled', outcome: 'success' },
};

/** What every row of a job carries: hashed and scrubbed once, never the raw params. */
function jobColumns(job: WorkerJob) {
  return {
    workspace_id: job.workspace_id,
    actor_id: job.actor_id,
    action: job.action,
    job_id: job.job_id,
    trace_id: jobTraceId(job),
    ...auditParams(job.submitted_params),
  };
}

export function createJobAudit(sink: AuditSink, opts: { now?: () => Date } = {}): JobAudit {
  const now = opts.now ?? (() => new Date());
  return {
    reaped({ job, status, errorCode }) {
      const ending = REAPED[status];
      sink.record({ ...jobColumns(job), at: now(), ...ending, error_code: ending.outcome === 'error' ? (errorCode ?? 'LEASE_EXPIRED') : null });
    },
    started(job) {
      // Both rows of an attempt carry the same values, computed once.
      const common = jobColumns(job);
      sink.record({ ...common, at: now(), event: 'started', outcome: 'success' });
      return {
        ended(outcome, { durationMs, errorCode }) {
          const ending = ENDINGS[outcome];
          if (!ending) return;
          sink.record({
            ...common,
            at: now(),
            ...ending,
            duration_ms: durationMs,
            error_code: ending.outcome === 'error' ? (errorCode ?? null) : null,
          });
        },
      };
    },
  };
}

/** The worker without an audit trail (no DATABASE_URL, benchmarks, tests that do not look). */
export const NO_JOB_AUDIT: JobAudit = { started: () => ({ ended: () => undefined }), reaped: () => undefined };
