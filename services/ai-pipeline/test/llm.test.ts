import { promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { completion, sample, sendJson, startFakeProvider, startService } from './helpers';
import type { FakeProvider, TestService } from './helpers';
import { parseRetryAfter } from '../src/llm/chat-client';

const API_KEY = 'sk-test-0123456789-very-secret';

describe('llm.complete against an OpenAI-compatible server', () => {
  let provider: FakeProvider;
  let service: TestService;
  beforeAll(async () => {
    provider = await startFakeProvider();
    service = await startService({ llm: { baseUrl: provider.baseUrl, apiKey: API_KEY, model: 'gpt-test', maxOutputTokens: 123, timeoutMs: 300 } });
  });
  afterAll(async () => {
    await service.close();
    await provider.close();
  });
  beforeEach(() => {
    provider.received.length = 0;
    provider.behave((_req, res) => sendJson(res, 200, completion('hello from the model')));
  });

  it('sends model, max_tokens, messages, the key and the trace headers, and answers the reply', async () => {
    const res = await service.execute({ input: 'Say hello', tool: 'llm.complete', params: { system: 'Be brief', temperature: 0.5 } }, { 'x-trace-id': 'llm-trace-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, tool: 'llm.complete', trace_id: 'llm-trace-1' });
    // The provider sent no usage (it may omit it): null, not zeros.
    expect(res.body.output).toEqual({ text: 'hello from the model', model: 'gpt-4o-mini-2024-07-18', finish_reason: 'stop', usage: null, truncated: false });
    expect(provider.received).toHaveLength(1);
    const [call] = provider.received;
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe('/v1/chat/completions');
    expect(call?.body).toEqual({
      model: 'gpt-test',
      max_tokens: 123,
      temperature: 0.5,
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Say hello' },
      ],
    });
    expect(call?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(call?.headers['x-trace-id']).toBe('llm-trace-1');
  });

  it('sends only the user message when no params are given; the legacy name "llm" runs llm.complete', async () => {
    const res = await service.execute({ input: 'Just this', tool: 'llm' });
    expect(res.body).toMatchObject({ success: true, tool: 'llm.complete' });
    expect(provider.received[0]?.body).toEqual({ model: 'gpt-test', max_tokens: 123, messages: [{ role: 'user', content: 'Just this' }] });
  });

  it('answers 502 BAD_GATEWAY, retryable, when the provider fails with 500', async () => {
    provider.behave((_req, res) => sendJson(res, 500, { error: { message: 'boom' } }));
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ success: false, error: { code: 'BAD_GATEWAY', retryable: true }, tool: 'llm.complete' });
    expect(JSON.stringify(res.body)).not.toContain('boom');
  });

  it('answers 504 TIMEOUT when the provider is slower than AI_TIMEOUT_MS', async () => {
    provider.behave(() => undefined); // never answers; closed with the server
    const started = performance.now();
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ error: { code: 'TIMEOUT', message: 'LLM provider did not answer within 300 ms', retryable: true } });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('answers 429 RATE_LIMITED with the provider\'s Retry-After', async () => {
    provider.behave((_req, res) => sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '7' }));
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
  });

  it('answers 502 when the provider answers 200 without choices', async () => {
    provider.behave((_req, res) => sendJson(res, 200, { choices: [] }));
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'BAD_GATEWAY', retryable: false } });
  });

  it('answers 502 when the provider answers something that is not JSON', async () => {
    provider.behave((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'BAD_GATEWAY' });
  });

  it('answers 502 saying the key was rejected on 401, and the key appears in no log line nor body', async () => {
    // Real providers quote the key back in their error text; it must not travel further.
    provider.behave((_req, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${API_KEY}` } }));
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'BAD_GATEWAY', retryable: false } });
    expect((res.body.error as { message: string }).message).toMatch(/rejected the API key/);
    expect(JSON.stringify(res.body)).not.toContain(API_KEY);
    expect(JSON.stringify(res.body)).not.toContain('sk-test');
    expect(service.logs.lines().length).toBeGreaterThan(0);
    expect(service.logs.text()).not.toContain(API_KEY);
    expect(service.logs.text()).not.toContain('sk-test');
  });
});

describe('llm.complete without AI_BASE_URL', () => {
  it('answers 503 UNAVAILABLE at once, naming AI_BASE_URL and AI_API_KEY', async () => {
    const service = await startService();
    try {
      const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ success: false, error: { code: 'UNAVAILABLE', retryable: false }, tool: 'llm.complete' });
      expect((res.body.error as { message: string }).message).toMatch(/set AI_BASE_URL.*AI_API_KEY/);
      expect(res.body.duration_ms).toBeLessThan(100);
    } finally {
      await service.close();
    }
  });
});

describe('llm.complete when the provider is unreachable', () => {
  it('answers 502 BAD_GATEWAY', async () => {
    const provider = await startFakeProvider();
    const baseUrl = provider.baseUrl;
    await provider.close(); // nothing listens on that port any more
    const service = await startService({ llm: { baseUrl } });
    try {
      const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'BAD_GATEWAY', message: 'LLM provider unreachable (ECONNREFUSED)', retryable: true });
    } finally {
      await service.close();
    }
  });
});

describe('llm.complete token usage and AI_MAX_OUTPUT_TOKENS', () => {
  let provider: FakeProvider;
  let service: TestService;
  beforeAll(async () => {
    provider = await startFakeProvider();
    service = await startService({ llm: { baseUrl: provider.baseUrl, model: 'gpt-test', maxOutputTokens: 100 } });
  });
  afterAll(async () => {
    await service.close();
    await provider.close();
  });
  beforeEach(() => {
    provider.received.length = 0;
  });

  it("answers the provider's usage and counts it in ai_llm_tokens_total{model,type}, which passes promtool", async () => {
    const before = await service.scrape();
    expect(sample(before, 'ai_llm_tokens_total', { model: 'gpt-test', type: 'input' })).toBe(0);
    expect(sample(before, 'ai_llm_tokens_total', { model: 'gpt-test', type: 'output' })).toBe(0);

    provider.behave((_req, res) => sendJson(res, 200, completion('four', { usage: { prompt_tokens: 21, completion_tokens: 3, total_tokens: 24 } })));
    const res = await service.execute({ input: 'What is 2+2?', tool: 'llm.complete' });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ text: 'four', model: 'gpt-4o-mini-2024-07-18', finish_reason: 'stop', usage: { input_tokens: 21, output_tokens: 3, total_tokens: 24 }, truncated: false });
    // A provider without total_tokens: the sum.
    provider.behave((_req, res) => sendJson(res, 200, completion('five', { usage: { prompt_tokens: 10, completion_tokens: 2 } })));
    const second = await service.execute({ input: 'And 2+3?', tool: 'llm.complete' });
    expect((second.body.output as { usage: unknown }).usage).toEqual({ input_tokens: 10, output_tokens: 2, total_tokens: 12 });

    const text = await service.scrape();
    expect(sample(text, 'ai_llm_tokens_total', { model: 'gpt-test', type: 'input' })).toBe(31);
    expect(sample(text, 'ai_llm_tokens_total', { model: 'gpt-test', type: 'output' })).toBe(5);
    // The label is AI_MODEL, never the provider's versioned name.
    expect(text).not.toContain('gpt-4o-mini-2024-07-18');
    await expect(promtoolCheckMetrics(text)).resolves.toBe('');
  });

  it('reads a malformed usage as null and still answers the reply', async () => {
    provider.behave((_req, res) => sendJson(res, 200, { ...completion('ok'), usage: { prompt_tokens: 'many' } }));
    const res = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(res.status).toBe(200);
    expect(res.body.output).toMatchObject({ text: 'ok', usage: null });
  });

  it('marks an answer cut at max_tokens as truncated, and a missing finish_reason as null', async () => {
    provider.behave((_req, res) => sendJson(res, 200, completion('Once upon a', { finishReason: 'length', usage: { prompt_tokens: 5, completion_tokens: 100 } })));
    const cut = await service.execute({ input: 'Tell me a story', tool: 'llm.complete' });
    expect(cut.body.output).toMatchObject({ text: 'Once upon a', finish_reason: 'length', truncated: true });
    provider.behave((_req, res) => sendJson(res, 200, completion('ok', { finishReason: null })));
    const none = await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(none.body.output).toMatchObject({ finish_reason: null, truncated: false });
  });

  it('sends the smaller of max_output_tokens and AI_MAX_OUTPUT_TOKENS as max_tokens', async () => {
    provider.behave((_req, res) => sendJson(res, 200, completion('ok')));
    await service.execute({ input: 'hi', tool: 'llm.complete', params: { max_output_tokens: 40 } });
    await service.execute({ input: 'hi', tool: 'llm.complete', params: { max_output_tokens: 100 } });
    await service.execute({ input: 'hi', tool: 'llm.complete' });
    expect(provider.received.map((r) => r.body.max_tokens)).toEqual([40, 100, 100]);
  });

  it('refuses max_output_tokens above AI_MAX_OUTPUT_TOKENS with 400 naming the limit, before calling the provider', async () => {
    const res = await service.execute({ input: 'hi', tool: 'llm.complete', params: { max_output_tokens: 101 } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      success: false,
      error: { code: 'VALIDATION_ERROR', retryable: false, details: [{ field: 'body.params.max_output_tokens', message: 'must be at most 100 (AI_MAX_OUTPUT_TOKENS)' }] },
    });
    expect((res.body.error as { message: string }).message).toContain('at most 100 (AI_MAX_OUTPUT_TOKENS)');
    expect(provider.received).toHaveLength(0);
    const tools = (await service.app.inject({ method: 'GET', url: '/tools' })).json<{ tools: Array<{ name: string; params_schema: { properties: Record<string, unknown> } }> }>().tools;
    expect(tools.find((t) => t.name === 'llm.complete')?.params_schema.properties.max_output_tokens).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });

  it('logs a warning, without the answer, when the provider reports more completion tokens than asked', async () => {
    const secretAnswer = 'the-answer-text-that-must-not-be-logged';
    provider.behave((_req, res) => sendJson(res, 200, completion(secretAnswer, { usage: { prompt_tokens: 4, completion_tokens: 55 } })));
    const res = await service.execute({ input: 'hi', tool: 'llm.complete', params: { max_output_tokens: 50 } }, { 'x-trace-id': 'over-budget-1' });
    expect(res.status).toBe(200);
    const line = service.logs.lines().find((l) => l.trace_id === 'over-budget-1' && l.level === 'warn');
    expect(line).toMatchObject({ msg: 'LLM provider reported more completion tokens than max_tokens allowed', max_tokens: 50, output_tokens: 55 });
    expect(service.logs.text()).not.toContain(secretAnswer);
  });
});

describe('Retry-After parsing', () => {
  it('reads seconds, HTTP dates, and defaults to 1', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBe(1);
    expect(parseRetryAfter('soon', now)).toBe(1);
  });
});
