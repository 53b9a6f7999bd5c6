import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createLogger, createMetrics, createMetricsApp } from '@opsconductor/kit';
import type { CircuitBreakerSettings } from '@opsconductor/kit';
import { promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { createApp } from '../src/app';
import { createChatClient } from '../src/llm/chat-client';
import { createLlmBreaker, isLlmFailure, withCircuitBreaker } from '../src/llm/circuit-breaker';
import { createDefaultTools } from '../src/tools';
import { ClientClosedError, ToolError } from '../src/tools/tool-error';
import { closedPort, completion, sample, sendJson, startFakeProvider, waitFor } from './helpers';
import type { FakeProvider } from './helpers';

const SETTINGS: CircuitBreakerSettings = { errorThresholdPercent: 50, volumeThreshold: 3, windowMs: 60_000, resetMs: 400 };

/** ai-pipeline as main() wires it: the chat client behind the `llm` breaker, on the service's registry. */
async function startService(baseUrl: string) {
  const logger = createLogger({ service: 'ai-pipeline-test', level: 'silent' });
  const metrics = createMetrics({ service: 'ai-pipeline-test', version: 'test' });
  const chatClient = withCircuitBreaker(
    createChatClient({ baseUrl, model: 'gpt-test', maxOutputTokens: 100, timeoutMs: 2000 }),
    createLlmBreaker({ registry: metrics.registry, settings: SETTINGS, logger }),
  );
  const tools = createDefaultTools({ chatClient });
  const app: FastifyInstance = createApp({ logger, metrics, tools, chatClient });
  const metricsApp = createMetricsApp({ registry: metrics.registry, logger, service: 'ai-pipeline-test', version: 'test' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const llmTool = tools.all().find((t) => t.platform === 'llm')!.name;
  return {
    async ask() {
      const started = performance.now();
      const res = await fetch(`${url}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hi', tool: llmTool }) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { output?: unknown; error?: { code: string; message: string; retryable: boolean } }, ms: performance.now() - started };
    },
    scrape: async () => (await metricsApp.inject({ method: 'GET', url: '/metrics' })).body,
    async close() {
      await app.close();
      await metricsApp.close();
      chatClient.close();
    },
  };
}

describe('the llm circuit breaker', () => {
  let provider: FakeProvider;
  let service: Awaited<ReturnType<typeof startService>>;
  beforeEach(async () => {
    provider = await startFakeProvider();
    service = await startService(provider.baseUrl);
  });
  afterEach(async () => {
    await service.close();
    await provider.close();
  });
  const llmState = async (state: string) => sample(await service.scrape(), 'circuit_breaker_state', { breaker: 'llm', state });

  it('trips on a provider that drops every connection: later calls answer 503 at once without reaching it, until a probe succeeds', async () => {
    provider.behave((_req, res) => res.socket?.destroy());
    for (let i = 0; i < 3; i++) {
      const res = await service.ask();
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'BAD_GATEWAY', retryable: true });
    }
    expect(provider.received).toHaveLength(3);

    for (let i = 0; i < 5; i++) {
      const res = await service.ask();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ success: false, error: { code: 'UNAVAILABLE', retryable: true } });
      expect(res.body.error?.message).toMatch(/^the LLM provider is failing; calls are refused for 1 s \(circuit open\)$/);
      expect(res.retryAfter).toBe('1');
      expect(res.ms).toBeLessThan(200);
    }
    expect(provider.received).toHaveLength(3);
    const text = await service.scrape();
    expect(sample(text, 'circuit_breaker_state', { breaker: 'llm', state: 'open' })).toBe(1);
    expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'llm', result: 'failure' })).toBe(3);
    expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'llm', result: 'rejected' })).toBe(5);
    await expect(promtoolCheckMetrics(text)).resolves.toBe('');

    provider.behave((_req, res) => sendJson(res, 200, completion('back again')));
    await waitFor(async () => ((await llmState('half_open')) === 1 ? true : undefined));
    const probe = await service.ask();
    expect(probe.status).toBe(200);
    expect(probe.body.output).toEqual(expect.anything());
    expect(provider.received).toHaveLength(4);
    expect(await llmState('closed')).toBe(1);
  });

  it('does not trip on a rejected key, a refused request or rate limiting: those are answers', async () => {
    const answers = [401, 403, 400, 429, 401, 429];
    for (const status of answers) {
      provider.behave((_req, res) => sendJson(res, status, { error: { message: 'no' } }, status === 429 ? { 'retry-after': '2' } : {}));
      expect((await service.ask()).status).toBe(status === 429 ? 429 : 502);
    }
    expect(provider.received).toHaveLength(answers.length);
    expect(await llmState('closed')).toBe(1);
    expect(sample(await service.scrape(), 'circuit_breaker_calls_total', { breaker: 'llm', result: 'failure' })).toBe(0);
  });
});

describe('the llm circuit breaker with nothing listening', () => {
  it('opens after the volume threshold of refused connections', async () => {
    const service = await startService(`http://127.0.0.1:${await closedPort()}/v1`);
    try {
      for (let i = 0; i < 3; i++) expect((await service.ask()).body.error).toMatchObject({ message: 'LLM provider unreachable (ECONNREFUSED)' });
      expect((await service.ask()).status).toBe(503);
      expect(sample(await service.scrape(), 'circuit_breaker_state', { breaker: 'llm', state: 'open' })).toBe(1);
    } finally {
      await service.close();
    }
  });
});

describe('isLlmFailure', () => {
  it.each([
    ['unreachable or 5xx', true, new ToolError('BAD_GATEWAY', 'LLM provider failed (HTTP 500)')],
    ['past AI_TIMEOUT_MS', true, new ToolError('TIMEOUT', 'LLM provider did not answer within 300 ms')],
    ['a rejected key', false, new ToolError('BAD_GATEWAY', 'LLM provider rejected the API key (HTTP 401)', { retryable: false })],
    ['rate limited', false, new ToolError('RATE_LIMITED', 'LLM provider is rate limiting requests')],
    ['the caller hung up', false, new ClientClosedError()],
    ['anything else', false, new Error('bug')],
  ])('%s → counted: %s', (_what, counted, err) => {
    expect(isLlmFailure(err)).toBe(counted);
  });
});
