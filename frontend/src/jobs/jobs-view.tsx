import { useEffect, useState } from 'react';
import type { ApiError } from '../api/errors';
import { JOB_STATUSES } from '../api/types';
import type { JobStatus, JobView } from '../api/types';
import { ErrorView } from '../common/error-view';
import { streamLabel, useEventStream } from '../common/use-event-stream';
import { KeyNotice } from '../settings/key-notice';
import { useSession } from '../settings/session';
import { DeadLetters } from './dead-letters';
import { JobDetail } from './job-detail';
import { JOB_EVENT_TYPES, applyEvent, isPositionEvent, isStatusEvent, needsReread } from './job-events';
import { JobsTable } from './jobs-table';

/** Jobs a page; "Load more" asks for the next with the listing's cursor. */
export const PAGE = 20;

type ListState =
  | { key: string; state: 'loading' }
  | { key: string; state: 'ready'; jobs: JobView[]; next: string | null; loadingMore: boolean }
  | { key: string; state: 'error'; error: ApiError };

type DetailState = { id: string; state: 'loading' } | { id: string; state: 'ready'; job: JobView } | { id: string; state: 'error'; error: ApiError };

const upsert = (jobs: JobView[], job: JobView) => (jobs.some((j) => j.job_id === job.job_id) ? jobs.map((j) => (j.job_id === job.job_id ? job : j)) : jobs);

/**
 * The jobs console: one page of the workspace's jobs at a time, newest first, kept current by
 * ONE event stream of the whole workspace (GET /ai/events): status changes update rows, new
 * jobs are read once and put on top, `position` events give queue places, `reset` re-reads.
 */
export function JobsView({ selectedId }: { selectedId: string | undefined }) {
  const { client, settings, isAdmin } = useSession();
  const [filter, setFilter] = useState<JobStatus | ''>('');
  const [reload, setReload] = useState(0);
  const [list, setList] = useState<ListState>();
  const [positions, setPositions] = useState<Record<string, number>>({});
  const [detail, setDetail] = useState<DetailState>();
  const [dlqRefresh, setDlqRefresh] = useState(0);
  const [moreError, setMoreError] = useState<ApiError>();
  const hasKey = settings.apiKey !== '';
  const key = `${client.url('/ai/jobs')}|${settings.apiKey !== ''}|${filter}|${reload}`;

  useEffect(() => {
    if (!hasKey) return;
    const abort = new AbortController();
    client.listJobs({ status: filter || undefined, limit: PAGE }, { signal: abort.signal }).then(
      (page) => setList({ key, state: 'ready', jobs: page.jobs, next: page.next_cursor, loadingMore: false }),
      (error: ApiError) => {
        if (!abort.signal.aborted) setList({ key, state: 'error', error });
      },
    );
    return () => abort.abort();
  }, [client, filter, hasKey, key]);

  useEffect(() => {
    if (!selectedId || !hasKey) return;
    const abort = new AbortController();
    client.job(selectedId, { signal: abort.signal }).then(
      (job) => setDetail({ id: selectedId, state: 'ready', job }),
      (error: ApiError) => {
        if (!abort.signal.aborted) setDetail({ id: selectedId, state: 'error', error });
      },
    );
    return () => abort.abort();
  }, [client, selectedId, hasKey]);

  const current: ListState = list?.key === key ? list : { key, state: 'loading' };
  const currentDetail: DetailState | undefined = selectedId === undefined ? undefined : detail?.id === selectedId ? detail : { id: selectedId, state: 'loading' };

  const showJob = (job: JobView) => {
    setList((l) => (l && l.state === 'ready' ? { ...l, jobs: upsert(l.jobs, job) } : l));
    setDetail((d) => (d && d.id === job.job_id ? { id: job.job_id, state: 'ready', job } : d));
  };

  const stream = useEventStream(hasKey ? '/ai/events' : undefined, JOB_EVENT_TYPES, (type, data) => {
    if (type === 'reset') {
      setReload((r) => r + 1);
      setDlqRefresh((r) => r + 1);
      return;
    }
    if (isPositionEvent(type, data)) {
      setPositions((p) => (p[data.job_id] === data.position ? p : { ...p, [data.job_id]: data.position }));
      return;
    }
    if (!isStatusEvent(type, data)) return;
    const id = data.job_id;
    if (data.status === 'dead' || data.prev === 'dead') setDlqRefresh((r) => r + 1);
    if (data.status !== 'pending') setPositions((p) => (id in p ? Object.fromEntries(Object.entries(p).filter(([k]) => k !== id)) : p));
    setList((l) => (l && l.state === 'ready' ? { ...l, jobs: l.jobs.map((j) => (j.job_id === id ? applyEvent(j, data) : j)) } : l));
    setDetail((d) => (d && d.id === id && d.state === 'ready' ? { ...d, job: applyEvent(d.job, data) } : d));
    const listed = current.state === 'ready' && current.jobs.some((j) => j.job_id === id);
    const isNew = data.prev === null && !listed && (filter === '' || filter === data.status);
    // A new job (read once to show its action and params) or a detail that gained a result or error.
    if (isNew || (selectedId === id && needsReread(data))) {
      client.job(id).then(
        (job) => {
          if (isNew) setList((l) => (l && l.state === 'ready' && !l.jobs.some((j) => j.job_id === id) ? { ...l, jobs: [job, ...l.jobs] } : l));
          showJob(job);
        },
        () => undefined,
      );
    }
  });

  const loadMore = async () => {
    if (current.state !== 'ready' || current.next === null) return;
    setMoreError(undefined);
    setList({ ...current, loadingMore: true });
    try {
      const page = await client.listJobs({ status: filter || undefined, limit: PAGE, cursor: current.next });
      setList((l) => (l && l.key === current.key && l.state === 'ready' ? { ...l, jobs: [...l.jobs, ...page.jobs.filter((j) => !l.jobs.some((c) => c.job_id === j.job_id))], next: page.next_cursor, loadingMore: false } : l));
    } catch (err) {
      setMoreError(err as ApiError);
      setList((l) => (l && l.state === 'ready' ? { ...l, loadingMore: false } : l));
    }
  };

  return (
    <div className="view jobs">
      <h1 id="view-heading" tabIndex={-1}>
        Jobs
      </h1>
      <KeyNotice />
      <div className="toolbar">
        <div className="field field-inline">
          <label htmlFor="status-filter">Status filter</label>
          <select id="status-filter" value={filter} onChange={(e) => setFilter(e.target.value as JobStatus | '')}>
            <option value="">All statuses</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <p className="stream-state" role="status">
          <span className={`dot dot-${stream}`} aria-hidden="true" /> Updates: {streamLabel(stream)}
        </p>
      </div>
      <div className="jobs-grid">
        <div>
          {current.state === 'error' && <ErrorView error={current.error} />}
          {current.state === 'loading' && hasKey && (
            <p role="status" className="muted">
              Loading jobs…
            </p>
          )}
          {current.state === 'ready' && <JobsTable jobs={current.jobs} positions={positions} selectedId={selectedId} labelledBy="view-heading" />}
          {current.state === 'ready' && current.next !== null && (
            <button type="button" className="button-secondary load-more" disabled={current.loadingMore} onClick={() => void loadMore()}>
              Load more
            </button>
          )}
          {moreError && (
            <div role="alert">
              <ErrorView error={moreError} />
            </div>
          )}
        </div>
        {currentDetail && (
          <div>
            {currentDetail.state === 'loading' && <p className="muted">Loading the job…</p>}
            {currentDetail.state === 'error' && <ErrorView error={currentDetail.error} />}
            {currentDetail.state === 'ready' && <JobDetail job={currentDetail.job} position={positions[currentDetail.id]} onChange={showJob} />}
          </div>
        )}
      </div>
      {isAdmin && <DeadLetters refresh={dlqRefresh} />}
    </div>
  );
}
