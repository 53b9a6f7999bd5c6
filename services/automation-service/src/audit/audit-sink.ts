import { auditParams } from '@opsconductor/db';
import type { AuditEvent, AuditRow } from '@opsconductor/db';
import { isAppError } from '@opsconductor/kit';
import type { Caller } from '../auth/caller';

/** Where the API's audit rows go: the AuditWriter (batched, never blocking the request). */
export interface AuditSink {
  record(row: AuditRow): void;
  /** Resolves when every row recorded so far is stored (the erase waits for it). */
  flush(): Promise<void>;
}

/** For an app without a database (tests of the execute path alone). */
export const NO_AUDIT: AuditSink = { record: () => undefined, flush: async () => undefined };

export interface ActionRecord {
  caller: Caller;
  event: AuditEvent;
  action: string;
  traceId: string;
  params?: unknown;
  jobId?: string;
  durationMs?: number;
  /** The failure, if the action failed or was refused; its code is kept, never its message. */
  error?: unknown;
  /** Overrides the code taken from `error` (e.g. CLIENT_CLOSED_REQUEST, which is no AppError). */
  errorCode?: string;
}

/** One row as the API records it: the raw params never leave this function. */
export function auditRow(r: ActionRecord): AuditRow {
  return {
    at: new Date(),
    workspace_id: r.caller.workspaceId,
    actor_id: r.caller.actorId,
    action: r.action,
    event: r.event,
    outcome: r.error === undefined && r.errorCode === undefined ? 'success' : 'error',
    job_id: r.jobId ?? null,
    trace_id: r.traceId,
    duration_ms: r.durationMs ?? null,
    error_code: r.errorCode ?? (r.error === undefined ? null : isAppError(r.error) ? r.error.code : 'INTERNAL_ERROR'),
    ...(r.params === undefined ? {} : auditParams(r.params)),
  };
}
