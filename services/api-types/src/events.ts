import type { JobErrorInfo, JobStatus } from './jobs';

/** A job's status change, as the jobs store records it in a workspace's event stream. */
export interface JobStatusChange {
  job_id: string;
  status: JobStatus;
  /** Status before the change; null when the job was created. */
  prev: JobStatus | null;
  at: string;
  attempts: number;
  /** The error of a failed attempt, or the previous error on retry/replay. */
  error?: JobErrorInfo;
  /** Why a change happened when no caller asked: `lease_expired`, `retry_due`, `released`. */
  reason?: string;
}

/** `data` of a status event on /ai/events and /ai/jobs/:id/events. */
export interface JobEventData extends Omit<JobStatusChange, 'prev'> {
  /** Absent on a snapshot, which shows the job as it is, not a change. */
  prev?: JobStatus | null;
  /** First event of a job stream opened without Last-Event-ID. */
  snapshot?: boolean;
}

/** `data` of a `position` event: the 1-based place of a pending job in its ready queue. */
export interface PositionEventData {
  job_id: string;
  status: 'pending';
  position: number;
  at: string;
}
