import type { FastifyInstance } from 'fastify';
import { AppError, VERSION_HEADER, createHttpApp, createLogger, createMetrics } from '../src';
import type { ReadinessCheck } from '../src';
import { captureLogs } from '../src/testing';

function build(readiness: ReadinessCheck[] = []) {
  const logs = captureLogs();
  const logger = createLogger({ service: 'test', level: 'debug', destination: logs.stream });
  const metrics = createMetrics({ service: 'test', version: 'test-1', defaultMetrics: false });
  const app = createHttpApp({ service: 'test', logger, metrics, bodyLimit: 64, readiness, readinessTimeoutMs: 200 });
  app.post('/echo', async (request) => ({ body: request.body, trace_id: request.traceId }));
  app.get('/fail/app', async (request) => {
    request.tool = 'echo';
    throw new AppError('RATE_LIMITED', 'slow down', { retryAfterS: 7 });
  });
  app.get('/fail/crash', async () => {
    throw new Error('database password=hunter2 leaked');
  });
  app.post('/adopt', async (request) => {
    request.adoptTraceId('from-body');
    request.log.info('adopted');
    return { trace_id: request.traceId };
  });
  app.post('/bound', async (request) => {
    request.bindLog({ workspace_id: 'ws-1' });
    request.log.info('bound');
    request.adoptTraceId('later-id');
    request.log.info('adopted after binding');
    return {};
  });
  return { app, logs, metrics };
}

describe('createHttpApp', () => {
  let ctx: ReturnType<typeof build>;
  let app: FastifyInstance;
  beforeEach(() => {
    ctx = build();
    app = ctx.app;
  });
  afterEach(() => app.close());

  describe('trace ids', () => {
    it('keeps a valid X-Trace-Id and returns it in the header', async () => {
      const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 }, headers: { 'x-trace-id': 'abc-123-def' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-trace-id']).toBe('abc-123-def');
      expect(res.json().trace_id).toBe('abc-123-def');
    });

    it('generates one when none is sent', async () => {
      const res = await app.inject({ method: 'POST', url: '/echo', payload: {} });
      expect(res.headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(res.json().trace_id).toBe(res.headers['x-trace-id']);
    });

    it('replaces an invalid one instead of rejecting the request, and logs it', async () => {
      const res = await app.inject({ method: 'POST', url: '/echo', payload: {}, headers: { 'x-trace-id': 'bad id; drop' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);
      const warning = ctx.logs.lines().find((l) => l.msg === 'replaced invalid X-Trace-Id');
      expect(warning).toMatchObject({ rejected_trace_id: 'bad id; drop', trace_id: res.headers['x-trace-id'] });
    });

    it('lets a route adopt another trace id for its logs and the response header', async () => {
      const res = await app.inject({ method: 'POST', url: '/adopt', payload: {}, headers: { 'x-trace-id': 'from-header' } });
      expect(res.headers['x-trace-id']).toBe('from-body');
      expect(ctx.logs.lines().find((l) => l.msg === 'adopted')).toMatchObject({ trace_id: 'from-body' });
    });

    it('adds bound fields to every later line of the request only, through a change of trace id too', async () => {
      await app.inject({ method: 'POST', url: '/bound', payload: {}, headers: { 'x-trace-id': 'first-id' } });
      await app.inject({ method: 'POST', url: '/echo', payload: {}, headers: { 'x-trace-id': 'other-request' } });
      const lines = ctx.logs.lines();
      expect(lines.find((l) => l.msg === 'bound')).toMatchObject({ trace_id: 'first-id', workspace_id: 'ws-1' });
      expect(lines.find((l) => l.msg === 'adopted after binding')).toMatchObject({ trace_id: 'later-id', workspace_id: 'ws-1' });
      expect(lines.find((l) => l.msg === 'request completed' && l.trace_id === 'later-id')).toMatchObject({ workspace_id: 'ws-1', route: '/bound' });
      expect(lines.find((l) => l.msg === 'request completed' && l.trace_id === 'other-request')).not.toHaveProperty('workspace_id');
    });

    it('carries the trace id on every log line of the request', async () => {
      await app.inject({ method: 'POST', url: '/echo', payload: {}, headers: { 'x-trace-id': 'log-me' } });
      const line = ctx.logs.lines().find((l) => l.msg === 'request completed');
      expect(line).toMatchObject({ trace_id: 'log-me', route: '/echo', status: 200, service: 'test', level: 'info' });
    });
  });

  describe('error envelope', () => {
    it('answers AppErrors with their code, status and Retry-After', async () => {
      const res = await app.inject({ method: 'GET', url: '/fail/app', headers: { 'x-trace-id': 't1' } });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.headers['x-trace-id']).toBe('t1');
      expect(res.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED', message: 'slow down' }, trace_id: 't1', tool: 'echo' });
      expect(typeof res.json().duration_ms).toBe('number');
    });

    it('hides unexpected errors behind INTERNAL_ERROR and logs the stack, scrubbed', async () => {
      const res = await app.inject({ method: 'GET', url: '/fail/crash' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toEqual({ code: 'INTERNAL_ERROR', message: 'internal error' });
      expect(res.body).not.toMatch(/hunter2|stack|at /);
      const logged = ctx.logs.lines().find((l) => l.msg === 'unexpected error') as { err: { stack: string } } | undefined;
      expect(logged?.err.stack).toMatch(/^Error: database password=\[redacted:secret\] leaked\n\s+at /);
      expect(ctx.logs.text()).not.toMatch(/hunter2/);
    });

    it('answers unknown routes with 404 NOT_FOUND', async () => {
      const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toEqual({ code: 'NOT_FOUND', message: 'no route for GET /nope' });
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await app.inject({ method: 'POST', url: '/echo', payload: 'ping', headers: { 'content-type': 'text/plain' } });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 400 for malformed JSON and for an empty JSON body', async () => {
      const bad = await app.inject({ method: 'POST', url: '/echo', payload: '{"a":', headers: { 'content-type': 'application/json' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'body', message: 'invalid JSON' }] });
      const empty = await app.inject({ method: 'POST', url: '/echo', payload: '', headers: { 'content-type': 'application/json' } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.code).toBe('VALIDATION_ERROR');
    });

    it('answers 413 for a body over the limit', async () => {
      const res = await app.inject({ method: 'POST', url: '/echo', payload: { big: 'x'.repeat(100) } });
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds 64 bytes' });
    });

    it('refuses prototype poisoning with 400', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/echo',
        payload: '{"__proto__":{"x":1}}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    });
  });

  describe('metrics', () => {
    it('counts requests by route pattern, not by path, and skips probes', async () => {
      await app.inject({ method: 'POST', url: '/echo', payload: {} });
      await app.inject({ method: 'GET', url: '/nope/123' });
      await app.inject({ method: 'GET', url: '/health' });
      const text = await ctx.metrics.registry.metrics();
      expect(text).toContain('http_requests_total{method="POST",route="/echo",status="200",service="test",version="test-1"} 1');
      expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404",service="test",version="test-1"} 1');
      expect(text).not.toContain('/nope/123');
      expect(text).not.toContain('route="/health"');
    });
  });
});

describe('the version header', () => {
  it('names the version on every answer, probes and error envelopes included', async () => {
    const { app } = build();
    const answers = await Promise.all([
      app.inject({ method: 'POST', url: '/echo', payload: {} }),
      app.inject({ method: 'GET', url: '/nope' }),
      app.inject({ method: 'GET', url: '/fail/app' }),
      app.inject({ method: 'GET', url: '/fail/crash' }),
      app.inject({ method: 'POST', url: '/echo', payload: { a: 'x'.repeat(100) } }),
      app.inject({ method: 'GET', url: '/health' }),
      app.inject({ method: 'GET', url: '/ready' }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 404, 429, 500, 413, 200, 200]);
    expect(answers.map((r) => r.headers[VERSION_HEADER])).toEqual(Array(answers.length).fill('test-1'));
    expect(VERSION_HEADER).toBe('x-opsconductor-version');
    await app.close();
  });

  it('takes an explicit version over the metrics\' one, and refuses one that is no bounded label value', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const metrics = createMetrics({ service: 'test', version: 'test-1', defaultMetrics: false });
    const app = createHttpApp({ service: 'test', logger, metrics, version: 'canary' });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.headers[VERSION_HEADER]).toBe('canary');
    expect(health.json()).toEqual({ status: 'ok', service: 'test', version: 'canary' });
    await app.close();
    expect(() => createHttpApp({ service: 'test', logger, metrics, version: 'has space' })).toThrow('service version "has space"');
  });
});

describe('health and readiness', () => {
  it('is alive and ready when every check passes', async () => {
    const { app } = build([{ name: 'db', check: async () => undefined }]);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toEqual({ status: 'ok', service: 'test', version: 'test-1' });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, checks: { db: { ok: true } } });
    await app.close();
  });

  it('is not ready (503) when a dependency fails or does not answer in time', async () => {
    const { app } = build([
      { name: 'down', check: async () => Promise.reject(new Error('connection refused')) },
      { name: 'hung', check: () => new Promise<void>(() => undefined) },
    ]);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      ready: false,
      checks: { down: { ok: false, error: 'connection refused' }, hung: { ok: false, error: 'no answer within 200 ms' } },
    });
    await app.close();
  });
});
