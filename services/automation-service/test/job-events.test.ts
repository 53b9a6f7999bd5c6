import { compareEventIds } from '../src/jobs/stream-position';
import { createCaller } from './helpers';
import { startJobsService, until } from './jobs-service';
import type { JobsService, JobsServiceOptions } from './jobs-service';
import { openSse } from '@opsconductor/kit/testing';
import type { SseConnection } from '@opsconductor/kit/testing';

type Json = Record<string, unknown>;
type JobRef = { workspace_id: string; job_id: string };

describe('job event streams (SSE)', () => {
  let service: JobsService;
  const caller = createCaller();
  const ws = 'ws-events';
  const start = async (opts: JobsServiceOptions = {}) => {
    service = await startJobsService(opts);
  };
  const submit = async (body: Json = { action: 'echo' }, workspace = ws): Promise<JobRef & Json> =>
    (await caller.call(`${service.url}/ai/jobs`, { body, headers: (await service.as(workspace)) })).json as JobRef & Json;
  const watch = async (job: JobRef, headers: Record<string, string> = {}, query = '') =>
    openSse(`${service.url}/ai/jobs/${job.job_id}/events${query}`, { ...(await service.as(job.workspace_id)), ...headers });
  const names = (s: SseConnection) => s.events.map((e) => e.event);
  const hasEvent = (name: string) => (s: SseConnection) => s.events.some((e) => e.event === name);

  afterEach(async () => {
    await service.close();
  });
  afterAll(async () => {
    await caller.close();
  });

  describe('GET /ai/jobs/:id/events', () => {
    beforeEach(() => start());

    it('sends a snapshot and the queue position, then each status change as the job runs, and ends after the terminal one', async () => {
      const job = await submit();
      const stream = await watch(job, { 'x-trace-id': 'sse-trace-1' });
      expect(stream.status).toBe(200);
      expect(stream.headers).toMatchObject({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'x-trace-id': 'sse-trace-1' });
      await stream.waitFor(hasEvent('position'), 'the queue position');

      const lease = await service.claim(job);
      await stream.waitFor(hasEvent('running'), 'running');
      await service.store.complete(lease, { output: 'pong' });
      await stream.end();

      expect(names(stream)).toEqual(['pending', 'position', 'running', 'completed']);
      const [snapshot, position, running, completed] = stream.parsed();
      expect(snapshot?.data).toMatchObject({ job_id: job.job_id, status: 'pending', snapshot: true, attempts: 0 });
      expect(position).toMatchObject({ id: undefined, data: { job_id: job.job_id, status: 'pending', position: 1 } });
      expect(running?.data).toMatchObject({ job_id: job.job_id, status: 'running', prev: 'pending', attempts: 1 });
      expect(completed?.data).toMatchObject({ job_id: job.job_id, status: 'completed', prev: 'running' });
      for (const e of [running, completed]) expect(new Date(e?.data.at as string).toISOString()).toBe(e?.data.at);
      const ids = [snapshot?.id, running?.id, completed?.id] as string[];
      expect([...ids].sort(compareEventIds)).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
    });

    it('resumes after Last-Event-ID without gaps or repeats, and answers 204 once nothing more can come', async () => {
      const job = await submit({ action: 'echo', max_attempts: 3 });
      const first = await watch(job);
      let lease = await service.claim(job);
      await first.waitFor(hasEvent('running'), 'running');
      const lastSeen = first.events.at(-1)?.id as string;
      first.close();
      await until(async () => (await service.streamConnections()) === 0, 'the stream connection to close');

      // While nobody watches: a failed attempt, a manual retry, a second run to completion.
      await service.store.fail(lease, { code: 'FLAKY', message: 'once' }, { retryable: true });
      await caller.call(`${service.url}/ai/jobs/${job.job_id}/retry`, { method: 'POST', headers: (await service.as(ws)) });
      lease = await service.claim(job);
      await service.store.complete(lease, { output: 'pong' });

      const resumed = await watch(job, { 'last-event-id': lastSeen });
      await resumed.end();
      expect(names(resumed)).toEqual(['failed', 'pending', 'running', 'completed']);
      expect(resumed.parsed().map((e) => e.data.attempts)).toEqual([1, 0, 1, 1]);
      expect(resumed.events.every((e) => compareEventIds(e.id as string, lastSeen) > 0)).toBe(true);

      // ?last_event_id= does the same for clients that cannot set headers.
      const byQuery = await watch(job, {}, `?last_event_id=${lastSeen}`);
      await byQuery.end();
      expect(byQuery.events.map((e) => e.id)).toEqual(resumed.events.map((e) => e.id));

      // After the terminal event: 204 (an EventSource stops reconnecting). The header wins over the query.
      const done = await caller.call(`${service.url}/ai/jobs/${job.job_id}/events?last_event_id=${lastSeen}`, {
        headers: { ...(await service.as(ws)), 'last-event-id': resumed.events.at(-1)?.id as string },
      });
      expect(done.status).toBe(204);
    });

    it('sends a finished job’s snapshot and ends at once', async () => {
      const job = await submit();
      await caller.call(`${service.url}/ai/jobs/${job.job_id}/cancel`, { method: 'POST', headers: (await service.as(ws)) });
      const stream = await watch(job);
      await stream.end();
      expect(stream.parsed()).toEqual([{ id: expect.any(String), event: 'cancelled', data: expect.objectContaining({ status: 'cancelled', snapshot: true }) }]);
    });

    it('releases its Redis connection when the client disconnects', async () => {
      const job = await submit();
      const a = await watch(job);
      const b = await watch(job);
      await until(async () => (await service.streamConnections()) === 2, 'two stream connections');
      a.close();
      await until(async () => (await service.streamConnections()) === 1, 'one stream connection left');
      b.close();
      await until(async () => (await service.streamConnections()) === 0, 'no stream connection left');
    });

    it.each([
      ['an unknown job', '/ai/jobs/0190a0a0-0000-7000-8000-000000000000/events', {}, 404, undefined],
      ['a malformed job id', '/ai/jobs/nope/events', {}, 404, undefined],
      ['a malformed Last-Event-ID', '/ai/events', { 'last-event-id': 'yesterday' }, 400, 'headers.last-event-id'],
      ['a malformed last_event_id', '/ai/events?last_event_id=1-x', {}, 400, 'query.last_event_id'],
      ['an unknown query parameter', '/ai/events?since=1', {}, 400, 'query'],
    ])('answers %s with the error envelope, not a stream', async (_case, path, headers, status, field) => {
      const res = await caller.call(`${service.url}${path}`, { headers: { ...(await service.as(ws)), ...headers } });
      expect(res.status).toBe(status);
      expect(res.json).toMatchObject({ success: false });
      if (field !== undefined) expect((res.json.error as { details: Array<{ field: string }> }).details[0]?.field).toBe(field);
      expect(await service.streamConnections()).toBe(0);
    });
  });

  describe('GET /ai/events', () => {
    it('streams every job of the workspace, with the positions of pending jobs as they change', async () => {
      await start();
      const j1 = await submit();
      const j2 = await submit();
      const stream = await openSse(`${service.url}/ai/events`, (await service.as(ws)));
      const positionOf = (s: SseConnection, id: string) =>
        s.parsed().filter((e) => e.event === 'position' && e.data.job_id === id).map((e) => e.data.position);
      await stream.waitFor((s) => positionOf(s, j1.job_id).length === 1 && positionOf(s, j2.job_id).length === 1, 'both positions');
      expect([positionOf(stream, j1.job_id), positionOf(stream, j2.job_id)]).toEqual([[1], [2]]);

      await service.claim(j1);
      await stream.waitFor((s) => positionOf(s, j2.job_id).length === 2, 'j2 moving up');
      expect(positionOf(stream, j2.job_id)).toEqual([2, 1]);
      const j3 = await submit();
      await stream.waitFor((s) => positionOf(s, j3.job_id).length === 1, 'the new job’s position');
      stream.close();

      const statuses = stream.parsed().filter((e) => e.event !== 'position');
      expect(statuses.map((e) => [e.data.job_id, e.event])).toEqual([
        [j1.job_id, 'running'],
        [j3.job_id, 'pending'],
      ]);
      expect(statuses.every((e) => typeof e.id === 'string')).toBe(true);
      expect(positionOf(stream, j3.job_id)).toEqual([2]);
    });

    it('follows the positions of a bounded number of pending jobs, the newest first', async () => {
      await start({ positionLimit: 1 });
      await submit();
      const newest = await submit();
      const stream = await openSse(`${service.url}/ai/events`, (await service.as(ws)));
      await stream.waitFor(hasEvent('position'), 'a position');
      // A status event after the positions were read is the barrier: nothing else is coming.
      const other = await submit({ action: 'echo' }, ws);
      await stream.waitFor((s) => s.parsed().some((e) => e.data.job_id === other.job_id), 'the third job’s event');
      stream.close();
      const positions = stream.parsed().filter((e) => e.event === 'position');
      expect(positions.map((e) => [e.data.job_id, e.data.position])).toEqual([[newest.job_id, 2]]);
    });

    it('sends a heartbeat comment every SSE_HEARTBEAT_MS while idle', async () => {
      await start({ heartbeatMs: 40 });
      const stream = await openSse(`${service.url}/ai/events`, (await service.as(ws)));
      await stream.waitFor((s) => s.comments.filter((c) => c.trim() === 'heartbeat').length >= 3, 'three heartbeats');
      stream.close();
      expect(stream.events).toEqual([]);
    });

    it('sends a reset when the events after Last-Event-ID were trimmed from the capped stream', async () => {
      await start({ store: { eventsMaxLen: 10 } });
      const { job } = await service.store.enqueue({ workspace_id: ws, actor_id: 'a', action: 'echo' });
      const [oldest] = await service.store.events(ws, { count: 1 });
      // Enough entries for Redis to drop whole nodes of the stream (MAXLEN ~ trims by node).
      for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: 100 }, () => service.store.enqueue({ workspace_id: ws, actor_id: 'a', action: 'echo' })));
      const stream = await openSse(`${service.url}/ai/events`, { ...(await service.as(ws)), 'last-event-id': oldest?.id as string });
      await stream.waitFor(hasEvent('reset'), 'the reset event');
      stream.close();
      const reset = stream.parsed()[0];
      expect(reset).toMatchObject({ event: 'reset', data: { reason: 'events_trimmed' } });
      expect(compareEventIds(reset?.id as string, oldest?.id as string)).toBe(1);
      expect(job.job_id).toBeDefined();
    });

    it('ends open streams when the app drains, so the drain does not wait for them', async () => {
      await start();
      const stream = await openSse(`${service.url}/ai/events`, (await service.as(ws)));
      await until(async () => (await service.streamConnections()) === 1, 'the stream connection');
      await service.closeApp();
      await stream.end();
      await until(async () => (await service.streamConnections()) === 0, 'the stream connection to close');
    });
  });
});
