import { useState } from 'react';
import type { ApiError } from '../api/errors';
import { FINAL_STATUSES } from '../api/types';
import type { JobView } from '../api/types';
import { ErrorView } from '../common/error-view';
import { JsonView } from '../common/json-view';
import { StatusBadge } from '../common/status-badge';
import { TraceIdFact } from '../common/trace-id';
import { streamLabel, useEventStream } from '../common/use-event-stream';
import { AttemptsFact, JobIdFact } from '../jobs/job-facts';
import { JOB_EVENT_TYPES, applyEvent, isPositionEvent, isStatusEvent, needsReread } from '../jobs/job-events';
import { jobHref } from '../route';
import { useSession } from '../settings/session';

/**
 * A job submitted from the sandbox, followed live on its own event stream
 * (GET /ai/jobs/:id/events), which ends by itself after a final status.
 */
export function JobLive({ initial }: { initial: JobView }) {
  const { client } = useSession();
  const [job, setJob] = useState(initial);
  const [position, setPosition] = useState<number>();
  const [actionError, setActionError] = useState<ApiError>();
  const id = initial.job_id;

  const stream = useEventStream(`/ai/jobs/${encodeURIComponent(id)}/events`, JOB_EVENT_TYPES, (type, data) => {
    if (isPositionEvent(type, data)) return setPosition(data.position);
    if (!isStatusEvent(type, data)) return;
    setJob((j) => applyEvent(j, data));
    if (data.status !== 'pending') setPosition(undefined);
    if (needsReread(data)) client.job(id).then(setJob, () => undefined);
  });

  const cancel = async () => {
    setActionError(undefined);
    try {
      setJob(await client.cancelJob(id));
    } catch (err) {
      setActionError(err as ApiError);
    }
  };

  const final = FINAL_STATUSES.includes(job.status);
  return (
    <div className="job-live">
      <p role="status" className="summary">
        Job <StatusBadge status={job.status} />
        {job.status === 'pending' && position !== undefined && <> — position {position} in the queue</>}
        {job.cancel_requested && job.status === 'running' && <> — cancel requested</>}
      </p>
      <dl className="facts">
        <JobIdFact jobId={job.job_id}>
          {' '}
          <a href={jobHref(job.job_id)}>Open in Jobs</a>
        </JobIdFact>
        <dt>Action</dt>
        <dd>{job.action}</dd>
        <AttemptsFact job={job} />
        <dt>Updates</dt>
        <dd>{final && stream !== 'failed' ? 'Finished' : streamLabel(stream)}</dd>
        <TraceIdFact traceId={job.trace_id} />
      </dl>
      {(job.status === 'pending' || job.status === 'running') && !job.cancel_requested && (
        <button type="button" onClick={() => void cancel()}>
          Cancel job
        </button>
      )}
      {actionError && (
        <div role="alert">
          <ErrorView error={actionError} />
        </div>
      )}
      {job.status === 'completed' && (
        <>
          <h3>Output</h3>
          <OutputView value={job.result} />
        </>
      )}
      {job.error && job.status !== 'completed' && (
        <p className="job-error">
          <code className="error-code">{job.error.code}</code> {job.error.message}
        </p>
      )}
    </div>
  );
}

/** A tool's output: text as text, anything else as highlighted JSON. */
export function OutputView({ value }: { value: unknown }) {
  if (typeof value === 'string') {
    return (
      <pre className="output" tabIndex={0} aria-label="Output">
        {value}
      </pre>
    );
  }
  return <JsonView value={value} label="Output" />;
}
