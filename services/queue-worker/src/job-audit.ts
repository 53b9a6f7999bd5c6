import { auditParams } from '@opsconductor/db';
import type { AuditEvent, AuditRow } from '@opsconductor/db';
import type { RunOutcome } from './metrics';
import { jobTraceId } from './worker-store';
import type { WorkerJob } from './worker-store';

/** Where rows go: AuditWriter.record, which only buffers (never throws, never waits). */
export interface AuditSink {
  record(row: AuditRow): void;
}

/** The audit trail of the transitions this worker makes (docs/decisions/guardrails.md). */
export interface JobAudit {
  /** An attempt of a claimed job begins: records `started`; the handle records how it ends. */
  started(job: WorkerJob): AttemptAudit;
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

export function createJobAudit(sink: AuditSink, opts: { now?: () => Date } = {}): JobAudit {
  const now = opts.now ?? (() => new Date());
  return {
    started(job) {
      // Hashed and scrubbed once per attempt: both of its rows carry the same values.
      const common = {
        workspace_id: job.workspace_id,
        actor_id: job.actor_id,
        action: job.action,
        job_id: job.job_id,
        trace_id: jobTraceId(job),
        ...auditParams(job.submitted_params),
      };
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
export const NO_JOB_AUDIT: JobAudit = { started: () => ({ ended: () => undefined }) };
