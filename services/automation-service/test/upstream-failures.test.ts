import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { closedPort, createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

const TIMEOUT_MS = 200;

describe('POST /ai/execute when ai-pipeline fails', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();
  let execute: string;

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url, timeoutMs: TIMEOUT_MS });
    caller.useHeaders(service.auth);
    execute = `${service.url}/ai/execute`;
  });

  afterEach(() => {
    upstream.release();
    upstream.behave({ kind: 'pong' });
  });

  afterAll(async () => {
    // The caller's sockets go first: a connection that never sent a request counts as busy and would hold up close().
    await caller.close();
    await service.close();
    await upstream.close();
  });

  it('answers 504 TIMEOUT soon after AI_PIPELINE_TIMEOUT_MS, and abandons the upstream call', async () => {
    upstream.behave({ kind: 'slow' });
    const started = performance.now();
    const res = await caller.call(execute, { body: { input: 'ping', tool: 'echo' }, headers: { 'x-trace-id': 'slow-1' } });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({
      success: false,
      error: { code: 'TIMEOUT', message: 'AI Pipeline request timed out after 0.2s' },
      trace_id: 'slow-1',
      tool: 'echo',
    });
    expect(res.json.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 2000);
    await upstream.received.at(-1)?.aborted;
  });

  it('answers 504 when ai-pipeline sends its headers but stalls in the body', async () => {
    upstream.behave({ kind: 'stall-body' });
    const started = performance.now();
    const res = await caller.call(execute, { body: { input: 'ping' } });
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ error: { code: 'TIMEOUT' } });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
  });

  it('answers 502 BAD_GATEWAY when ai-pipeline hangs up without answering', async () => {
    upstream.behave({ kind: 'hang-up' });
    const res = await caller.call(execute, { body: { input: 'ping' } });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: { code: 'BAD_GATEWAY', message: 'AI Pipeline is unreachable' } });
  });

  it('answers 502 naming the upstream status and code when ai-pipeline answers a tool\'s 502', async () => {
    upstream.behave({
      kind: 'json',
      status: 502,
      body: { success: false, error: { code: 'BAD_GATEWAY', message: 'LLM provider failed (HTTP 500)' }, trace_id: 'x', tool: 'llm.complete' },
    });
    const res = await caller.call(execute, { body: { input: 'summarise this' } });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({
      success: false,
      error: { code: 'BAD_GATEWAY', message: 'AI Pipeline failed: 502 BAD_GATEWAY: LLM provider failed (HTTP 500)' },
      tool: 'llm.complete',
    });
  });

  it.each([
    [503, 'UNAVAILABLE', 'the LLM provider is failing; calls are refused for 7 s (circuit open)'],
    [504, 'TIMEOUT', 'task.create did not finish within 25000 ms'],
  ])('passes ai-pipeline\'s %i %s envelope on as it is, with its Retry-After', async (status, code, message) => {
    upstream.behave({ kind: 'json', status, body: { success: false, error: { code, message }, trace_id: 'x', tool: 'llm.complete' }, headers: { 'retry-after': '7' } });
    const res = await caller.call(execute, { body: { input: 'summarise this' } });
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ success: false, error: { code, message }, tool: 'llm.complete' });
    expect(res.headers['retry-after']).toBe('7');
  });

  it('answers 502 when a 5xx carries no envelope', async () => {
    upstream.behave({ kind: 'raw', status: 500, body: '<html>oops</html>' });
    const res = await caller.call(execute, { body: { input: 'ping' } });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: { code: 'BAD_GATEWAY', message: 'AI Pipeline failed: 500 (unexpected body)' } });
  });

  it.each([
    ['is not JSON', { kind: 'raw' as const, status: 200, body: 'pong' }],
    ['lacks the output', { kind: 'json' as const, status: 200, body: { success: true, tool: 'echo' } }],
    ['says it failed', { kind: 'json' as const, status: 200, body: { success: false, output: 'pong', tool: 'echo' } }],
  ])('answers 502 when a 200 answer %s', async (_case, behaviour) => {
    upstream.behave(behaviour);
    const res = await caller.call(execute, { body: { input: 'ping' } });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: { code: 'BAD_GATEWAY', message: 'AI Pipeline answered 200 with an unexpected body' } });
  });

  it('passes a 400 envelope through with its code, message, details and tool', async () => {
    const error = { code: 'VALIDATION_ERROR', message: 'invalid params', details: [{ field: 'params.to', message: 'required' }] };
    upstream.behave({ kind: 'json', status: 400, body: { success: false, error, trace_id: 't', tool: 'email' } });
    const res = await caller.call(execute, { body: { input: 'send it', tool: 'email', params: {} }, headers: { 'x-trace-id': 'pass-1' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, error, trace_id: 'pass-1', tool: 'email' });
  });

  it('passes an unknown-tool 404 through', async () => {
    const error = { code: 'NOT_FOUND', message: 'no tool named "nope"' };
    upstream.behave({ kind: 'json', status: 404, body: { success: false, error, trace_id: 't' } });
    const res = await caller.call(execute, { body: { input: 'x', tool: 'nope' } });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ success: false, error, tool: 'nope' });
  });

  it('passes a 429 through with its Retry-After', async () => {
    upstream.behave({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { success: false, error: { code: 'RATE_LIMITED', message: 'slow down' }, trace_id: 't' },
    });
    const res = await caller.call(execute, { body: { input: 'x' } });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json).toMatchObject({ error: { code: 'RATE_LIMITED', message: 'slow down' } });
  });

  it('answers 502 for a 4xx without an envelope', async () => {
    upstream.behave({ kind: 'raw', status: 404, body: 'Not Found', contentType: 'text/plain' });
    const res = await caller.call(execute, { body: { input: 'x' } });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: { code: 'BAD_GATEWAY', message: 'AI Pipeline answered 404 with an unexpected body' } });
  });

  it('aborts the upstream call when the caller disconnects', async () => {
    upstream.behave({ kind: 'slow' });
    const gone = new AbortController();
    const n = upstream.received.length;
    const pending = caller.call(execute, { body: { input: 'ping' }, signal: gone.signal });
    const upstreamCall = await upstream.request(n);
    gone.abort();
    await expect(pending).rejects.toThrow();
    await upstreamCall.aborted;
    const line = await waitForLog(service, (l) => l.msg === 'caller closed the connection; ai-pipeline call aborted');
    expect(line.trace_id).toBe(upstreamCall.headers['x-trace-id']);
  });
});

describe('POST /ai/execute when ai-pipeline is unreachable', () => {
  const caller = createCaller();
  let service: ServiceUnderTest;

  beforeAll(async () => {
    service = await startService({ pipelineUrl: `http://127.0.0.1:${await closedPort()}` });
    caller.useHeaders(service.auth);
  });

  afterAll(async () => {
    // The caller's sockets go first: a connection that never sent a request counts as busy and would hold up close().
    await caller.close();
    await service.close();
  });

  it('answers 502 BAD_GATEWAY "AI Pipeline is unreachable", with the requested tool', async () => {
    const res = await caller.call(`${service.url}/ai/execute`, { body: { input: 'ping', tool: 'echo' }, headers: { 'x-trace-id': 'down-1' } });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({
      success: false,
      error: { code: 'BAD_GATEWAY', message: 'AI Pipeline is unreachable' },
      trace_id: 'down-1',
      tool: 'echo',
    });
    const line = service.logs.lines().find((l) => l.msg === 'ai-pipeline call failed');
    expect(line).toMatchObject({ level: 'warn', trace_id: 'down-1', code: 'BAD_GATEWAY', cause: 'ECONNREFUSED' });
  });
});

describe('POST /ai/execute on an unexpected error', () => {
  const caller = createCaller();
  let service: ServiceUnderTest;

  beforeAll(async () => {
    // The real client cannot be made to throw a programming error; a collaborator that does stands in.
    const port = await closedPort();
    service = await startService({
      pipelineUrl: `http://127.0.0.1:${port}`,
      pipeline: {
        timeoutMs: 1000,
        execute: async () => {
          throw new TypeError('secret internal detail at /srv/app.js');
        },
        // The request below names no tool: it fails while planning.
        plan: async () => {
          throw new TypeError('secret internal detail at /srv/app.js');
        },
        checkHealth: async () => undefined,
        close: async () => undefined,
      },
    });
    caller.useHeaders(service.auth);
  });

  afterAll(async () => {
    // The caller's sockets go first: a connection that never sent a request counts as busy and would hold up close().
    await caller.close();
    await service.close();
  });

  it('answers 500 INTERNAL_ERROR without internals, and logs the stack', async () => {
    const res = await caller.call(`${service.url}/ai/execute`, { body: { input: 'ping' } });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
    expect(res.text).not.toContain('secret');
    const line = service.logs.lines().find((l) => l.level === 'error');
    expect(JSON.stringify(line)).toContain('secret internal detail');
  });
});

async function waitForLog(service: ServiceUnderTest, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (;;) {
    const line = service.logs.lines().find(match);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
