import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, parseInput } from '@opsconductor/kit';
import { callerOf } from '../auth/caller';
import { streamEvents } from '../jobs/event-stream';
import type { EventStreamDeps } from '../jobs/event-stream';
import type { SseWriter } from '../jobs/sse-writer';
import { EVENT_ID_PATTERN, eventsQuerySchema } from '../jobs/schemas';
import { jobIdOf } from './jobs';

/**
 * Where to resume: the Last-Event-ID header (what an EventSource sends when it reconnects),
 * else `?last_event_id=` (for clients that cannot set headers). The header wins, since a
 * reconnecting EventSource keeps its original URL.
 */
function resumeAfter(request: FastifyRequest): string | undefined {
  const query = parseInput(eventsQuerySchema, request.query, 'query');
  const header = request.headers['last-event-id'];
  if (header === undefined) return query.last_event_id;
  if (typeof header === 'string' && EVENT_ID_PATTERN.test(header)) return header;
  throw new AppError('VALIDATION_ERROR', 'invalid request headers: headers.last-event-id must be an event id', {
    details: [{ field: 'headers.last-event-id', message: 'must be an event id such as 1718000000000-0' }],
  });
}

/** Server-Sent Events of one job, and of every job of the caller's workspace. */
export function registerJobEventRoutes(app: FastifyInstance, options: Omit<EventStreamDeps, 'open'>): void {
  const deps: EventStreamDeps = { ...options, open: new Set<SseWriter>() };
  app.get('/ai/jobs/:id/events', { config: { scope: 'actions:preview' } }, async (request, reply) => {
    const caller = callerOf(request);
    const after = resumeAfter(request);
    await streamEvents(request, reply, deps, { workspaceId: caller.workspaceId, jobId: jobIdOf(request), resumeAfter: after });
  });

  app.get('/ai/events', { config: { scope: 'actions:preview' } }, async (request, reply) => {
    const caller = callerOf(request);
    const after = resumeAfter(request);
    await streamEvents(request, reply, deps, { workspaceId: caller.workspaceId, resumeAfter: after });
  });

  // Streams never end on their own; a drain ends them so clients reconnect (with Last-Event-ID)
  // to another instance instead of holding this one open for the whole grace period.
  app.addHook('preClose', async () => {
    for (const writer of deps.open) writer.end();
  });
}
