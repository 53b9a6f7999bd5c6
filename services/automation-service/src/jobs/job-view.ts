import type { Job, JobErrorInfo, JobStatus } from '@opsconductor/jobs';

/**
 * A job as the API shows it. Worker-side fields stay inside: the lease token is a fencing
 * secret, the worker id and lease expiry are infrastructure, the body hash is internal.
 * `trace_id` is the trace of the request that submitted the job (the worker continues it).
 */
export interface JobView {
  job_id: string;
  status: JobStatus;
  action: string;
  priority: number;
  created_at: string;
  workspace_id: string;
  actor_id: string;
  params: unknown;
  attempts: number;
  max_attempts: number;
  started_at: string | null;
  finished_at: string | null;
  retry_at: string | null;
  result: unknown;
  error: JobErrorInfo | null;
  client_request_id: string | null;
  cancel_requested: boolean;
  trace_id: string | null;
}

export function jobView(job: Job): JobView {
  return {
    job_id: job.job_id,
    status: job.status,
    action: job.action,
    priority: job.priority,
    created_at: job.created_at,
    workspace_id: job.workspace_id,
    actor_id: job.actor_id,
    params: job.params,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    started_at: job.started_at,
    finished_at: job.finished_at,
    retry_at: job.retry_at,
    result: job.result,
    error: job.error,
    client_request_id: job.client_request_id,
    cancel_requested: job.cancel_requested,
    trace_id: job.trace?.trace_id ?? null,
  };
}
