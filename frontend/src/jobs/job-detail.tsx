import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/errors';
import type { JobView } from '../api/types';
import { ErrorView } from '../common/error-view';
import { formatTime } from '../common/format';
import { JsonView } from '../common/json-view';
import { StatusBadge } from '../common/status-badge';
import { TraceIdFact } from '../common/trace-id';
import { useSession } from '../settings/session';
import { OutputView } from '../sandbox/job-live';
import { AttemptsFact, JobIdFact } from './job-facts';

export interface JobDetailProps {
  job: JobView;
  position: number | undefined;
  /** A newer view of the job after Cancel or Retry. */
  onChange(job: JobView): void;
}

/** One job: what it was asked, what it answered, where it is, and what can be done to it. */
export function JobDetail({ job, position, onChange }: JobDetailProps) {
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError>();
  const [notice, setNotice] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);

  // Opening a job moves focus (and, on a narrow screen, the view) to its details.
  useEffect(() => {
    heading.current?.focus();
  }, [job.job_id]);

  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setActionError(undefined);
    setNotice('');
    try {
      const next = what === 'cancel' ? await client.cancelJob(job.job_id) : await client.retryJob(job.job_id);
      onChange(next);
      setNotice(what === 'cancel' ? (next.status === 'cancelled' ? 'Job cancelled.' : 'Cancel requested: the worker stops the job.') : 'Job queued again.');
    } catch (err) {
      setActionError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  // A cancel the worker carries out later ends in the live status: the request's notice is then stale.
  const shownNotice = job.status === 'cancelled' && notice.startsWith('Cancel requested') ? 'Job cancelled.' : notice;
  const cancellable = (job.status === 'pending' || job.status === 'running') && !job.cancel_requested;
  const retryable = job.status === 'failed' || job.status === 'dead';
  return (
    <section className="panel job-detail" aria-labelledby="job-detail-heading">
      <h2 id="job-detail-heading" ref={heading} tabIndex={-1}>
        Job details
      </h2>
      <dl className="facts">
        <JobIdFact jobId={job.job_id} />
        <dt>Status</dt>
        <dd>
          <StatusBadge status={job.status} />
          {job.cancel_requested && job.status === 'running' && ' (cancel requested)'}
        </dd>
        {job.status === 'pending' && (
          <>
            <dt>Queue position</dt>
            <dd>{position ?? 'waiting for the stream'}</dd>
          </>
        )}
        <dt>Action</dt>
        <dd>{job.action}</dd>
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
        <AttemptsFact job={job} />
        <dt>Created</dt>
        <dd>
          <time dateTime={job.created_at}>{formatTime(job.created_at)}</time>
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(job.started_at)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(job.finished_at)}</dd>
        {job.retry_at && (
          <>
            <dt>Next retry</dt>
            <dd>{formatTime(job.retry_at)}</dd>
          </>
        )}
        <dt>Actor</dt>
        <dd>{job.actor_id}</dd>
        {job.client_request_id && (
          <>
            <dt>Client request ID</dt>
            <dd>
              <code>{job.client_request_id}</code>
            </dd>
          </>
        )}
        <TraceIdFact traceId={job.trace_id} />
      </dl>
      <div className="actions">
        <button type="button" disabled={!cancellable || busy} onClick={() => void act('cancel')}>
          Cancel job
        </button>
        <button type="button" disabled={!retryable || busy} onClick={() => void act('retry')}>
          Retry job
        </button>
        <a className="button-link" href="#/jobs">
          Close details
        </a>
      </div>
      <p role="status" className="muted">
        {shownNotice}
      </p>
      {actionError && (
        <div role="alert">
          <ErrorView error={actionError} />
        </div>
      )}
      <h3>Params</h3>
      <JsonView value={job.params} label="Params" />
      {job.status === 'completed' && (
        <>
          <h3>Result</h3>
          <OutputView value={job.result} />
        </>
      )}
      {job.error && (
        <>
          <h3>{job.status === 'completed' ? 'Error of an earlier attempt' : 'Latest error'}</h3>
          <p>
            <code className="error-code">{job.error.code}</code> {job.error.message}
          </p>
        </>
      )}
    </section>
  );
}
