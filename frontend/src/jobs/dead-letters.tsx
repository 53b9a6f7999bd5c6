import { useEffect, useState } from 'react';
import type { ApiError } from '../api/errors';
import type { JobView } from '../api/types';
import { ErrorView } from '../common/error-view';
import { formatTime } from '../common/format';
import { useSession } from '../settings/session';
import { JobLink } from './job-link';

const PAGE = 20;

type DlqState = { key: string; state: 'loading' } | { key: string; state: 'ready'; jobs: JobView[]; next: string | null } | { key: string; state: 'error'; error: ApiError };

/**
 * Admin only: the workspace's dead jobs (GET /ai/queue/dlq) and Replay
 * (POST /ai/queue/dlq/replay, one job a call). `refresh` changes when the live stream saw a
 * job die, so the list re-reads once instead of polling.
 */
export function DeadLetters({ refresh }: { refresh: number }) {
  const { client } = useSession();
  const [list, setList] = useState<DlqState>();
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<ApiError>();
  const key = `${client.baseUrl}|${refresh}`;

  useEffect(() => {
    const abort = new AbortController();
    client.deadLetters({ limit: PAGE }, { signal: abort.signal }).then(
      (page) => setList({ key, state: 'ready', jobs: page.jobs, next: page.next_cursor }),
      (error: ApiError) => {
        if (!abort.signal.aborted) setList({ key, state: 'error', error });
      },
    );
    return () => abort.abort();
  }, [client, key]);

  const current: DlqState = list?.key === key ? list : { key, state: 'loading' };

  const more = async () => {
    if (current.state !== 'ready' || current.next === null) return;
    try {
      const page = await client.deadLetters({ limit: PAGE, cursor: current.next });
      setList({ ...current, jobs: [...current.jobs, ...page.jobs.filter((j) => !current.jobs.some((c) => c.job_id === j.job_id))], next: page.next_cursor });
    } catch (err) {
      setActionError(err as ApiError);
    }
  };

  const replay = async (id: string) => {
    setNotice('');
    setActionError(undefined);
    try {
      await client.replayDead(id);
      setList((l) => (l && l.state === 'ready' ? { ...l, jobs: l.jobs.filter((j) => j.job_id !== id) } : l));
      setNotice(`Job ${id} queued again.`);
    } catch (err) {
      setActionError(err as ApiError);
    }
  };

  return (
    <section className="panel" aria-labelledby="dlq-heading">
      <h2 id="dlq-heading">Dead letters</h2>
      <p className="hint">Jobs that used up their attempts. Replay queues one again with its attempts reset.</p>
      <p role="status" className="muted">
        {current.state === 'loading' ? 'Loading dead letters…' : notice}
      </p>
      {current.state === 'error' && <ErrorView error={current.error} />}
      {actionError && (
        <div role="alert">
          <ErrorView error={actionError} />
        </div>
      )}
      {current.state === 'ready' && (
        <div className="table-wrap" role="region" aria-label="Dead letters table" tabIndex={0}>
          <table aria-labelledby="dlq-heading">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Action</th>
                <th scope="col">Last error</th>
                <th scope="col">Finished</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {current.jobs.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    No dead jobs.
                  </td>
                </tr>
              )}
              {current.jobs.map((job) => (
                <tr key={job.job_id}>
                  <td>
                    <JobLink jobId={job.job_id} />
                  </td>
                  <td>{job.action}</td>
                  <td>{job.error ? `${job.error.code}: ${job.error.message}` : '—'}</td>
                  <td>{formatTime(job.finished_at)}</td>
                  <td>
                    <button type="button" className="button-small" aria-label={`Replay job ${job.job_id}`} onClick={() => void replay(job.job_id)}>
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {current.state === 'ready' && current.next !== null && (
        <button type="button" className="button-secondary" onClick={() => void more()}>
          Load more dead letters
        </button>
      )}
    </section>
  );
}
