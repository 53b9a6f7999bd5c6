import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Job, JobEvent, JobStatus, JobStore, RedisClient } from '@opsconductor/jobs';
import { SseWriter } from './sse-writer';
import type { SseEvent } from './sse-writer';
import { historyTrimmedAfter, latestEventId } from './stream-position';
import { notFound } from './store-errors';

/** After one of these a job changes no more (unless retried), so its stream ends. */
const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'cancelled', 'dead']);
const READ_COUNT = 100;

/** Reads a workspace's events with a blocking XREAD on a connection of its own. */
export interface EventReader {
  read(workspaceId: string, after: string, blockMs: number): Promise<JobEvent[]>;
  /** Drops the connection at once (a blocked read rejects). */
  close(): void;
}

export interface EventStreamDeps {
  store: JobStore;
  /** The store's client, for the stream reads the store has no call for (newest id, trim check). */
  redis: RedisClient;
  openReader(): EventReader;
  heartbeatMs: number;
  /** Pending jobs a workspace stream follows the queue position of (default 100, newest first). */
  maxTrackedPositions?: number;
  /** Open streams, ended by the app on close so a drain does not wait for them. */
  open: Set<SseWriter>;
}

export interface StreamScope {
  workspaceId: string;
  /** Set for one job's stream; absent for the whole workspace's. */
  jobId?: string;
  /** Last-Event-ID: replay strictly after this entry. */
  resumeAfter?: string;
}

/** An event to send, and the job status it reports when it reports one. */
interface Outgoing {
  sse: SseEvent;
  job?: { id: string; status: JobStatus };
}

const statusEvent = (e: JobEvent): Outgoing => {
  const { id, ...data } = e;
  return { sse: { id, event: e.status, data }, job: { id: e.job_id, status: e.status } };
};

/**
 * Serves the event stream of one job or of a whole workspace. Every stored change is sent with
 * its stream id as `id:`, so Last-Event-ID resumes exactly after it. A fresh job stream starts
 * with a snapshot of the job (id: the newest entry at that moment); a job stream ends after a
 * terminal status. Pending jobs also get `position` events (no id: they are derived, not stored),
 * re-read after each batch of the workspace's events and at each heartbeat, sent when changed.
 */
export async function streamEvents(request: FastifyRequest, reply: FastifyReply, deps: EventStreamDeps, scope: StreamScope): Promise<void> {
  const { store } = deps;
  const ws = scope.workspaceId;
  const key = store.keys.events(ws);
  const first: Outgoing[] = [];
  let cursor: string;
  // The entry that a fresh snapshot may already show (a change racing the connect).
  let alreadyShown: { status: JobStatus; attempts: number } | undefined;

  const fresh = scope.resumeAfter === undefined || (await historyTrimmedAfter(deps.redis, key, scope.resumeAfter));
  if (fresh) {
    // The newest entry is read before the job, so no later change can be missed.
    cursor = (await latestEventId(deps.redis, key)) ?? '0-0';
    if (scope.resumeAfter !== undefined) {
      // Some changes since the client's last event are gone: it must re-read the jobs it follows.
      first.push({ sse: { id: cursor, event: 'reset', data: { reason: 'events_trimmed', at: new Date().toISOString() } } });
    }
  } else {
    cursor = scope.resumeAfter as string;
  }

  let job: Job | null = null;
  if (scope.jobId !== undefined) {
    job = await store.get(ws, scope.jobId);
    if (job === null) return notFound();
    if (fresh) {
      first.push(snapshotEvent(job, cursor === '0-0' ? undefined : cursor));
      alreadyShown = { status: job.status, attempts: job.attempts };
    } else if (TERMINAL.has(job.status)) {
      // Finished before this reconnect: send what the client missed, or 204, which tells an
      // EventSource to stop reconnecting rather than loop on an empty stream.
      const missed = await readBacklog(store, ws, cursor, scope.jobId);
      if (missed.events.length === 0) return void reply.code(204).send();
      first.push(...missed.events.map(statusEvent));
      cursor = missed.cursor;
    }
  }

  // Pending jobs followed, with the position last sent (null: none yet). Bounded, since each
  // one costs a ZRANK per refresh; a workspace stream starts with its newest pending jobs.
  const maxTracked = deps.maxTrackedPositions ?? 100;
  const positions = new Map<string, number | null>();
  const follow = (jobId: string): void => {
    if (!positions.has(jobId) && positions.size < maxTracked) positions.set(jobId, null);
  };
  if (job?.status === 'pending') follow(job.job_id);
  if (scope.jobId === undefined) {
    const pending = await store.list(ws, { status: 'pending', limit: maxTracked });
    for (const p of pending.jobs) follow(p.job_id);
  }

  const writer = new SseWriter(reply);
  deps.open.add(writer);
  const reader = deps.openReader();
  void writer.whenClosed().then(() => {
    deps.open.delete(writer);
    reader.close();
  });

  const refreshPositions = async (): Promise<void> => {
    const ids = [...positions.keys()];
    const now = await Promise.all(ids.map((id) => store.queuePosition(ws, id)));
    for (const [i, jobId] of ids.entries()) {
      const position = now[i] ?? null;
      // Not in the ready queue: claimed or cancelled meanwhile (its status event follows), or
      // untracked while the positions were read.
      if (writer.closed || position === null || !positions.has(jobId) || position === positions.get(jobId)) continue;
      positions.set(jobId, position);
      await writer.event({ event: 'position', data: { job_id: jobId, status: 'pending', position, at: new Date().toISOString() } });
    }
  };

  /** Sends one event; true when it ends a job's stream. */
  const send = async (out: Outgoing): Promise<boolean> => {
    await writer.event(out.sse);
    if (out.job === undefined) return false;
    if (out.job.status === 'pending') follow(out.job.id);
    else positions.delete(out.job.id);
    return scope.jobId !== undefined && TERMINAL.has(out.job.status);
  };

  try {
    for (const out of first) if (await send(out)) return writer.end();
    await refreshPositions();
    while (!writer.closed) {
      const wait = Math.max(1, deps.heartbeatMs - (Date.now() - writer.lastWriteAt));
      const events = await reader.read(ws, cursor, wait);
      if (writer.closed) break;
      for (const e of events) {
        cursor = e.id;
        if (scope.jobId !== undefined && e.job_id !== scope.jobId) continue;
        if (alreadyShown !== undefined && e.job_id === scope.jobId) {
          const shown = alreadyShown;
          alreadyShown = undefined;
          if (shown.status === e.status && shown.attempts === e.attempts) continue;
        }
        if (await send(statusEvent(e))) return writer.end();
      }
      const heartbeatDue = Date.now() - writer.lastWriteAt >= deps.heartbeatMs;
      if (heartbeatDue) await writer.comment('heartbeat');
      if (events.length > 0 || heartbeatDue) await refreshPositions();
    }
  } catch (err) {
    // A dropped Redis connection after the client left is the normal way out of a blocked read.
    if (!writer.closed) request.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'event stream failed; closing it');
  } finally {
    writer.end();
    reader.close();
  }
}

/** The job as it is now, for a client that has not seen any of its events yet. */
function snapshotEvent(job: Job, id: string | undefined): Outgoing {
  const data: Record<string, unknown> = { job_id: job.job_id, status: job.status, at: new Date().toISOString(), attempts: job.attempts, snapshot: true };
  if (job.error !== null) data.error = job.error;
  const sse: SseEvent = id === undefined ? { event: job.status, data } : { id, event: job.status, data };
  return { sse, job: { id: job.job_id, status: job.status } };
}

/** Every stored event of one job after `after`, without blocking; and where the reading stopped. */
async function readBacklog(store: JobStore, ws: string, after: string, jobId: string): Promise<{ events: JobEvent[]; cursor: string }> {
  const events: JobEvent[] = [];
  let cursor = after;
  for (;;) {
    const batch = await store.events(ws, { after: cursor, count: READ_COUNT });
    for (const e of batch) {
      cursor = e.id;
      if (e.job_id === jobId) events.push(e);
    }
    if (batch.length < READ_COUNT) return { events, cursor };
  }
}
