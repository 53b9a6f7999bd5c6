import type { JobView } from '../api/types';
import { formatTime } from '../common/format';
import { StatusBadge } from '../common/status-badge';
import { JobLink } from './job-link';

export interface JobsTableProps {
  jobs: JobView[];
  positions: Record<string, number>;
  selectedId: string | undefined;
  /** id of the element naming the table (the view's heading). */
  labelledBy: string;
}

/** The workspace's jobs, newest first; each id links to its detail. */
export function JobsTable({ jobs, positions, selectedId, labelledBy }: JobsTableProps) {
  return (
    // Focusable so a keyboard can scroll the table sideways on a narrow screen.
    <div className="table-wrap" role="region" aria-label="Jobs table" tabIndex={0}>
      <table aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Action</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No jobs.
              </td>
            </tr>
          )}
          {jobs.map((job) => {
            const position = job.status === 'pending' ? positions[job.job_id] : undefined;
            return (
              <tr key={job.job_id} aria-current={job.job_id === selectedId ? 'true' : undefined}>
                <td>
                  <JobLink jobId={job.job_id} />
                </td>
                <td>{job.action}</td>
                <td>
                  <StatusBadge status={job.status} />
                  {position !== undefined && <span className="muted"> #{position} in queue</span>}
                  {job.cancel_requested && job.status === 'running' && <span className="muted"> cancelling</span>}
                </td>
                <td>
                  {job.attempts}/{job.max_attempts}
                </td>
                <td>
                  <time dateTime={job.created_at}>{formatTime(job.created_at)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
