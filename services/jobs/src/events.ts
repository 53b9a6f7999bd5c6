import type { JobStatusChange } from '@opsconductor/api-types';
import type { JobErrorInfo, JobStatus } from './job';

/** One entry of a workspace's event stream: a job's status change (the API's shape) and its place. */
export interface JobEvent extends JobStatusChange {
  /** Stream id; pass it as `after` (or SSE Last-Event-ID) to resume without gaps. */
  id: string;
}

type StreamEntry = [id: string, fields: string[]];

export function decodeEvent([id, flat]: StreamEntry): JobEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
  const event: JobEvent = {
    id,
    job_id: f.job_id ?? '',
    status: f.status as JobStatus,
    prev: (f.prev || null) as JobStatus | null,
    at: new Date(Number(f.at)).toISOString(),
    attempts: Number(f.attempts ?? 0),
  };
  if (f.error) event.error = JSON.parse(f.error) as JobErrorInfo;
  if (f.reason) event.reason = f.reason;
  return event;
}

/**
 * XREAD's reply for one stream: `[[key, entries]]` on RESP2, `[key, entries]` on RESP3 with
 * ioredis' legacy mapping (a flattened map), `{key: entries}` with its resp3 mapping, or null.
 */
export function decodeXread(reply: unknown): JobEvent[] {
  if (reply === null || typeof reply !== 'object') return [];
  let entries: unknown;
  if (!Array.isArray(reply)) entries = Object.values(reply)[0];
  else entries = typeof reply[0] === 'string' ? reply[1] : (reply[0] as unknown[] | undefined)?.[1];
  return ((entries ?? []) as StreamEntry[]).map(decodeEvent);
}
