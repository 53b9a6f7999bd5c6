import type { JobView } from '@opsconductor/api-types';
import type { Job } from '@opsconductor/jobs';

/**
 * A job as the API shows it (@opsconductor/api-types says which fields, and why the others stay
 * inside). `trace_id` is the trace of the request that submitted the job.
 */
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
