import { JOB_STATUSES } from '../api/types';
import type { JobEventData, JobView, PositionEventData } from '../api/types';

/** Every `event:` name of the job streams: one per status, plus position and reset. */
export const JOB_EVENT_TYPES: readonly string[] = [...JOB_STATUSES, 'position', 'reset'];

export function isStatusEvent(type: string, data: unknown): data is JobEventData {
  return (JOB_STATUSES as readonly string[]).includes(type) && typeof data === 'object' && data !== null && typeof (data as JobEventData).job_id === 'string';
}

export function isPositionEvent(type: string, data: unknown): data is PositionEventData {
  return type === 'position' && typeof data === 'object' && data !== null && typeof (data as PositionEventData).position === 'number';
}

/** A job after a status event: what the event carries; result and timestamps need a re-read. */
export function applyEvent(job: JobView, event: JobEventData): JobView {
  return { ...job, status: event.status, attempts: event.attempts, error: event.error ?? job.error };
}

/** Statuses whose job view has something new the event does not carry (result, error, finished_at). */
export function needsReread(event: JobEventData): boolean {
  return event.status !== 'pending' && !event.snapshot;
}
