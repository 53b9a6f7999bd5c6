import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

describe('POST /ai/execute', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();
  let execute: string;

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url, bodyLimitBytes: 200_000 });
    caller.useHeaders(service.auth);
    execute = `${service.url}/ai/execute`;
  });

  afterAll(async () => {
    // The caller's sockets go first: a connection that never sent a request counts as busy and would hold up close().
    await caller.close();
    await service.close();
    await upstream.close();
  });

  describe('when ai-pipeline answers', () => {
    it('answers ping with pong in exactly the seed shape', async () => {
      const res = await caller.call(execute, { body: { input: 'ping', tool: 'echo' } });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json)).toEqual(['success', 'output', 'trace_id', 'duration_ms', 'tool']);
      expect(res.json).toMatchObject({ success: true, output: 'pong', tool: 'echo' });
      const duration = res.json.duration_ms as number;
      expect(duration).toBeGreaterThan(0);
      expect(Math.round(duration * 100) / 100).toBe(duration);
    });

    it('generates a W3C-shaped trace id when none is sent and returns it in header and body', async () => {
      const res = await caller.call(execute, { body: { input: 'ping' } });
      const traceId = res.json.trace_id as string;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers['x-trace-id']).toBe(traceId);
      expect(upstream.received.at(-1)?.headers['x-trace-id']).toBe(traceId);
    });

    it('uses the X-Trace-Id header when the body has none', async () => {
      const res = await caller.call(execute, { body: { input: 'ping' }, headers: { 'x-trace-id': 'hdr-123' } });
      expect(res.json.trace_id).toBe('hdr-123');
      expect(res.headers['x-trace-id']).toBe('hdr-123');
      expect(upstream.received.at(-1)?.headers['x-trace-id']).toBe('hdr-123');
    });

    it('prefers the body trace_id over the header, in the body, header, upstream call and logs', async () => {
      const res = await caller.call(execute, { body: { input: 'ping', trace_id: 'body-abc-1' }, headers: { 'x-trace-id': 'hdr-456' } });
      expect(res.json.trace_id).toBe('body-abc-1');
      expect(res.headers['x-trace-id']).toBe('body-abc-1');
      expect(upstream.received.at(-1)?.headers['x-trace-id']).toBe('body-abc-1');
      const callLine = service.logs.lines().find((l) => l.msg === 'ai-pipeline call' && l.trace_id === 'body-abc-1');
      expect(callLine).toMatchObject({ level: 'debug', tool: 'echo', outcome: 'success', workspace_id: 'test-ws' });
      // The caller's workspace is on the request's lines; its key never is.
      const completed = service.logs.lines().find((l) => l.msg === 'request completed' && l.trace_id === 'body-abc-1');
      expect(completed).toMatchObject({ workspace_id: 'test-ws', route: '/ai/execute', status: 200 });
      expect(service.logs.text()).not.toContain(String(service.auth.authorization).slice('Bearer '.length));
    });

    it('replaces an invalid X-Trace-Id header instead of refusing the request', async () => {
      const res = await caller.call(execute, { body: { input: 'ping' }, headers: { 'x-trace-id': 'bad id with spaces' } });
      expect(res.status).toBe(200);
      expect(res.json.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(upstream.received.at(-1)?.headers['x-trace-id']).toBe(res.json.trace_id);
    });

    it('forwards input, tool and params as JSON, and nothing else of the body', async () => {
      const params = { nested: { a: [1, 2] }, flag: true };
      await caller.call(execute, { body: { input: 'hello', tool: 'echo', params, trace_id: 'fwd-1' } });
      const got = upstream.received.at(-1);
      expect(got).toMatchObject({ method: 'POST', path: '/execute' });
      expect(got?.headers['content-type']).toBe('application/json');
      expect(got?.body).toEqual({ input: 'hello', tool: 'echo', params });
    });

    it("names the API key's workspace to ai-pipeline, and no job (a sync call is none)", async () => {
      await caller.call(execute, { body: { input: 'ping', tool: 'echo' } });
      const got = upstream.received.at(-1);
      expect(got?.headers['x-workspace-id']).toBe('test-ws');
      expect(got?.headers['x-job-id']).toBeUndefined();
    });

    it('reports the tool ai-pipeline ran, not the one asked for', async () => {
      upstream.behave({ kind: 'json', status: 200, body: { success: true, output: { rows: 2 }, tool: 'db.query', duration_ms: 3 } });
      try {
        const res = await caller.call(execute, { body: { input: 'count rows' } });
        expect(res.json).toMatchObject({ success: true, output: { rows: 2 }, tool: 'db.query' });
      } finally {
        upstream.behave({ kind: 'pong' });
      }
    });
  });

  describe('when the body is bad', () => {
    const details = (json: Record<string, unknown>) => (json.error as { details?: Array<{ field: string; message: string }> }).details ?? [];

    it.each([
      ['input is missing', { tool: 'echo' }, ['body.input']],
      ['input is empty', { input: '' }, ['body.input']],
      ['input is too long', { input: 'x'.repeat(100_001) }, ['body.input']],
      ['types are wrong', { input: 5, tool: 'Bad Tool!', params: [1] }, ['body.input', 'body.tool', 'body.params']],
      ['trace_id is not a valid trace id', { input: 'ping', trace_id: 'has spaces/and slashes' }, ['body.trace_id']],
    ])('answers 400 naming each bad field when %s', async (_case, body, fields) => {
      const before = upstream.received.length;
      const res = await caller.call(execute, { body, headers: { 'x-trace-id': 'bad-body-1' } });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' }, trace_id: 'bad-body-1' });
      expect(details(res.json).map((d) => d.field).sort()).toEqual([...fields].sort());
      expect(upstream.received.length).toBe(before);
    });

    it('refuses unknown fields, naming them', async () => {
      const res = await caller.call(execute, { body: { input: 'ping', prompt: 'x' } });
      expect(res.status).toBe(400);
      expect(details(res.json)).toEqual([{ field: 'body', message: expect.stringContaining('prompt') }]);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await caller.call(execute, { raw: '{"input": ', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await caller.call(execute, { raw: 'input=ping', headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(415);
      expect(res.json).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    });

    it('answers 413 for a body over BODY_LIMIT_BYTES (200 kB here)', async () => {
      const res = await caller.call(execute, { body: { input: 'x'.repeat(250_000) } });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    });
  });
});
