import type { JobErrorInfo, JobStatus, JobView } from '@opsconductor/api-types';

// The statuses and the error shape are the API's (one list for the scripts, the services and
// the frontend); re-exported so this package's callers keep importing them from here.
// JOB_STATUSES' order is also the order of the status indexes in a script's KEYS.
export { JOB_STATUSES, type JobErrorInfo, type JobStatus } from '@opsconductor/api-types';

/** `^[a-z][a-z0-9_.-]{0,63}$`, e.g. `echo`, `gmail.send`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

export interface TraceContext {
  trace_id: string;
  traceparent?: string;
  tracestate?: string;
}

/**
 * A job as this package's callers see it: every field the API shows (a JobView, whose trace id
 * is here the whole trace context) and the worker-side ones the API keeps inside. Times are
 * ISO 8601 strings (stored as epoch ms in Redis).
 */
export interface Job extends Omit<JobView, 'trace_id'> {
  trace: TraceContext | null;
  /** Fencing token of the current lease; only set while running. */
  lease_token: string | null;
  lease_expires_at: string | null;
  worker_id: string | null;
  body_hash: string;
}

/** What a worker holds after claim(): enough to act on the job under its lease. */
export interface JobLease {
  workspace_id: string;
  job_id: string;
  attempts: number;
  lease_token: string;
}

/** A claimed job: a Job whose lease token is set. */
export type ClaimedJob = Job & { lease_token: string };

const iso = (ms: string | undefined): string | null => (ms ? new Date(Number(ms)).toISOString() : null);
const json = (text: string | undefined): unknown => (text === undefined || text === '' ? null : JSON.parse(text));

/**
 * The stored form of a job (lua/includes/common.lua): a JSON object of string fields, a
 * newline, then the params JSON as given.
 */
export function encodeRecord(fields: Record<string, string>, paramsJson: string): string {
  return `${JSON.stringify(fields)}\n${paramsJson}`;
}

/** Decodes a stored job record, or its fields as an object (params as JSON text). */
export function decodeJob(raw: string | Record<string, string>): Job {
  const h: Record<string, string> = typeof raw === 'string' ? recordFields(raw) : raw;
  return {
    job_id: h.job_id ?? '',
    workspace_id: h.workspace_id ?? '',
    actor_id: h.actor_id ?? '',
    action: h.action ?? '',
    params: json(h.params),
    priority: Number(h.priority),
    status: h.status as JobStatus,
    attempts: Number(h.attempts ?? 0),
    max_attempts: Number(h.max_attempts),
    created_at: iso(h.created_at) ?? '',
    started_at: iso(h.started_at),
    finished_at: iso(h.finished_at),
    retry_at: iso(h.retry_at),
    result: json(h.result),
    error: json(h.error) as JobErrorInfo | null,
    client_request_id: h.client_request_id || null,
    trace: json(h.trace) as TraceContext | null,
    lease_token: h.lease_token || null,
    lease_expires_at: iso(h.lease_expires_at),
    worker_id: h.worker_id || null,
    cancel_requested: h.cancel_requested === '1',
    body_hash: h.body_hash ?? '',
  };
}

function recordFields(text: string): Record<string, string> {
  const nl = text.indexOf('\n');
  if (nl < 0) throw new Error('jobs: a job record without its params line');
  const fields = JSON.parse(text.slice(0, nl)) as Record<string, string>;
  fields.params = text.slice(nl + 1);
  return fields;
}
