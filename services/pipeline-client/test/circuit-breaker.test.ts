import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '@opsconductor/kit';
import type { CircuitBreakerOptions } from '@opsconductor/kit';
import { createAiPipelineClient } from '../src/client';
import type { AiPipelineClient } from '../src/client';
import { isPipelineFailure } from '../src/circuit-breaker';
import { CallCancelledError, PipelineError } from '../src/errors';

type Behaviour = 'ok' | 'internal' | 'tool-unavailable' | 'bad-input' | 'reset' | 'proxy-502';

/** A real HTTP server in ai-pipeline's place, counting every request that reaches it. */
async function startPipeline() {
  const state = { behaviour: 'ok' as Behaviour, requests: 0, health: 0 };
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      if (req.url === '/health') {
        state.health += 1;
        return send(res, 200, { status: 'ok' });
      }
      state.requests += 1;
      switch (state.behaviour) {
        case 'ok':
          return send(res, 200, { success: true, output: 'pong', tool: 'echo' });
        case 'internal':
          return send(res, 500, { success: false, error: { code: 'INTERNAL_ERROR', message: 'boom', retryable: true }, trace_id: 't' });
        case 'tool-unavailable':
          return send(res, 503, { success: false, error: { code: 'UNAVAILABLE', message: 'the LLM provider is failing', retryable: true }, trace_id: 't', tool: 'llm' });
        case 'bad-input':
          return send(res, 400, { success: false, error: { code: 'VALIDATION_ERROR', message: 'bad' }, trace_id: 't' });
        case 'proxy-502':
          res.writeHead(502, { 'content-type': 'text/html' });
          return res.end('<html>Bad Gateway</html>');
        case 'reset':
          return req.socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Registry = CircuitBreakerOptions['registry'];
const newRegistry = (): Registry => createMetrics({ service: 'pipeline-client-test', version: 'test', defaultMetrics: false }).registry;

async function stateGauge(registry: Registry, state: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith('circuit_breaker_state{') && l.includes('breaker="ai_pipeline"') && l.includes(`state="${state}"`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

const ctx = () => ({ traceId: 'breaker-test', signal: new AbortController().signal });

describe('the ai_pipeline circuit breaker of the client', () => {
  let pipeline: Awaited<ReturnType<typeof startPipeline>>;
  let registry: Registry;
  let client: AiPipelineClient;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(() => pipeline.close());
  beforeEach(() => {
    pipeline.state.behaviour = 'ok';
    pipeline.state.requests = 0;
    registry = newRegistry();
    client = createAiPipelineClient({
      baseUrl: pipeline.url,
      timeoutMs: 2000,
      circuitBreaker: { registry, settings: { volumeThreshold: 3, errorThresholdPercent: 50, windowMs: 60_000, resetMs: 300 } },
    });
  });
  afterEach(() => client.close());

  const execute = () => client.execute({ input: 'ping' }, ctx());

  it('opens when ai-pipeline fails, then answers 503 without reaching it, and closes after a good probe', async () => {
    pipeline.state.behaviour = 'internal';
    for (let i = 0; i < 3; i++) await expect(execute()).rejects.toMatchObject({ code: 'BAD_GATEWAY', upstreamStatus: 500 });
    expect(pipeline.state.requests).toBe(3);
    expect(await stateGauge(registry, 'open')).toBe(1);

    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const err = await execute().catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(50);
      expect(err).toBeInstanceOf(PipelineError);
      expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryable: true, retryAfterS: 1, upstreamStatus: undefined });
      expect((err as Error).message).toBe('AI Pipeline is failing; calls are refused for 1 s (circuit open)');
    }
    await expect(client.tools(ctx())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(pipeline.state.requests).toBe(3);

    pipeline.state.behaviour = 'ok';
    await waitFor(async () => (await stateGauge(registry, 'half_open')) === 1);
    await expect(execute()).resolves.toMatchObject({ output: 'pong' });
    expect(pipeline.state.requests).toBe(4);
    expect(await stateGauge(registry, 'closed')).toBe(1);
    await expect(execute()).resolves.toMatchObject({ output: 'pong' });
  });

  it('counts connections ai-pipeline drops and 5xx answers that are no envelope', async () => {
    pipeline.state.behaviour = 'reset';
    await expect(execute()).rejects.toMatchObject({ code: 'BAD_GATEWAY', message: 'AI Pipeline is unreachable' });
    pipeline.state.behaviour = 'proxy-502';
    await expect(execute()).rejects.toMatchObject({ code: 'BAD_GATEWAY', upstreamStatus: 502 });
    await expect(execute()).rejects.toMatchObject({ code: 'BAD_GATEWAY', upstreamStatus: 502 });
    await expect(execute()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('(circuit open)') });
  });

  it('never opens on the caller\'s 4xx or on a tool\'s failing dependency that ai-pipeline reports', async () => {
    pipeline.state.behaviour = 'bad-input';
    for (let i = 0; i < 5; i++) await expect(execute()).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    pipeline.state.behaviour = 'tool-unavailable';
    for (let i = 0; i < 5; i++) await expect(execute()).rejects.toMatchObject({ code: 'UNAVAILABLE', upstreamStatus: 503, tool: 'llm' });
    expect(pipeline.state.requests).toBe(10);
    expect(await stateGauge(registry, 'closed')).toBe(1);
  });

  it('lets the health check through while open, so /ready sees ai-pipeline come back', async () => {
    pipeline.state.behaviour = 'internal';
    for (let i = 0; i < 3; i++) await expect(execute()).rejects.toMatchObject({ upstreamStatus: 500 });
    await expect(execute()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const before = pipeline.state.health;
    await expect(client.checkHealth(new AbortController().signal)).resolves.toBeUndefined();
    expect(pipeline.state.health).toBe(before + 1);
  });

  it('does not count a call the caller abandoned', async () => {
    const aborted = new AbortController();
    aborted.abort();
    for (let i = 0; i < 5; i++) {
      await expect(client.execute({ input: 'ping' }, { traceId: 't', signal: aborted.signal })).rejects.toBeInstanceOf(CallCancelledError);
    }
    expect(await stateGauge(registry, 'closed')).toBe(1);
  });
});

describe('a client without a breaker', () => {
  it('sends every call, however many failed', async () => {
    const pipeline = await startPipeline();
    const client = createAiPipelineClient({ baseUrl: pipeline.url, timeoutMs: 2000 });
    try {
      pipeline.state.behaviour = 'internal';
      for (let i = 0; i < 10; i++) await expect(client.execute({ input: 'ping' }, ctx())).rejects.toMatchObject({ upstreamStatus: 500 });
      expect(pipeline.state.requests).toBe(10);
    } finally {
      await client.close();
      await pipeline.close();
    }
  });
});

describe('isPipelineFailure', () => {
  it.each([
    ['unreachable', true, new PipelineError('BAD_GATEWAY', 'AI Pipeline is unreachable')],
    ['timed out', true, new PipelineError('TIMEOUT', 'AI Pipeline request timed out after 30s')],
    ['500 from ai-pipeline', true, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 500, upstreamCode: 'INTERNAL_ERROR' })],
    ['500 inside a tool (ai-pipeline\'s own bug)', true, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 500, upstreamCode: 'INTERNAL_ERROR', tool: 'llm' })],
    ['500 that is no envelope', true, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 500 })],
    ['502 that is no envelope', true, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 502 })],
    ['a malformed 200', true, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 200 })],
    ['503 envelope of a tool', false, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 503, upstreamCode: 'UNAVAILABLE', tool: 'webhook.post' })],
    ['504 envelope of a tool', false, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 504, upstreamCode: 'TIMEOUT', tool: 'llm' })],
    ['502 envelope of the planner (no tool)', false, new PipelineError('BAD_GATEWAY', 'x', { upstreamStatus: 502, upstreamCode: 'BAD_GATEWAY' })],
    ['400', false, new PipelineError('VALIDATION_ERROR', 'x', { upstreamStatus: 400 })],
    ['429', false, new PipelineError('RATE_LIMITED', 'x', { upstreamStatus: 429 })],
    ['the caller went away', false, new CallCancelledError()],
  ])('%s → counted: %s', (_what, counted, err) => {
    expect(isPipelineFailure(err)).toBe(counted);
  });
});
