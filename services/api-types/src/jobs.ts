/**
 * Jobs as the /ai API shows them (GET /ai/jobs[/:id], the DLQ, the event streams).
 * @opsconductor/jobs stores them; the automation-service answers with them; the frontend reads them.
 */

/**
 * Job statuses. The order is also the order of the status indexes in a jobs Lua script's KEYS
 * (services/jobs), so append, never reorder.
 */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'dead'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses after which a job changes no more unless someone retries or replays it. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'cancelled', 'dead'];

export interface JobErrorInfo {
  code: string;
  message: string;
}

/**
 * A job as the API shows it. Worker-side fields stay inside: the lease token is a fencing
 * secret, the worker id and lease expiry are infrastructure, the body hash is internal.
 * `trace_id` is the trace of the request that submitted the job (the worker continues it).
 * Times are ISO 8601 strings.
 */
export interface JobView {
  job_id: string;
  status: JobStatus;
  action: string;
  /** 0–9, 9 runs first. */
  priority: number;
  created_at: string;
  workspace_id: string;
  actor_id: string;
  params: unknown;
  /** Attempts started so far (a reaped attempt counts; retry/replay resets to 0). */
  attempts: number;
  max_attempts: number;
  started_at: string | null;
  finished_at: string | null;
  /** When a `failed` job is due for its next attempt. */
  retry_at: string | null;
  result: unknown;
  error: JobErrorInfo | null;
  client_request_id: string | null;
  cancel_requested: boolean;
  trace_id: string | null;
}

/** One page of GET /ai/jobs or GET /ai/queue/dlq. */
export interface JobPage {
  jobs: JobView[];
  next_cursor: string | null;
}
