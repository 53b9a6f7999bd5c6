import { completion, sendJson, startFakeProvider, startService } from './helpers';
import type { FakeProvider, TestService } from './helpers';
import { parseRetryAfter } from '../src/llm/chat-client';

const API_KEY = 'sk-test-0123456789-very-secret';

describe('the llm tool against an OpenAI-compatible server', () => {
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
    const res = await service.execute({ input: 'Say hello', tool: 'llm', params: { system: 'Be brief', temperature: 0.5 } }, { 'x-trace-id': 'llm-trace-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, output: 'hello from the model', tool: 'llm', trace_id: 'llm-trace-1' });
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

  it('sends only the user message when no params are given', async () => {
    await service.execute({ input: 'Just this', tool: 'llm' });
    expect(provider.received[0]?.body).toEqual({ model: 'gpt-test', max_tokens: 123, messages: [{ role: 'user', content: 'Just this' }] });
  });

  it('answers 502 BAD_GATEWAY, retryable, when the provider fails with 500', async () => {
    provider.behave((_req, res) => sendJson(res, 500, { error: { message: 'boom' } }));
    const res = await service.execute({ input: 'hi', tool: 'llm' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ success: false, error: { code: 'BAD_GATEWAY', retryable: true }, tool: 'llm' });
    expect(JSON.stringify(res.body)).not.toContain('boom');
  });

  it('answers 504 TIMEOUT when the provider is slower than AI_TIMEOUT_MS', async () => {
    provider.behave(() => undefined); // never answers; closed with the server
    const started = performance.now();
    const res = await service.execute({ input: 'hi', tool: 'llm' });
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ error: { code: 'TIMEOUT', message: 'LLM provider did not answer within 300 ms', retryable: true } });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('answers 429 RATE_LIMITED with the provider\'s Retry-After', async () => {
    provider.behave((_req, res) => sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '7' }));
    const res = await service.execute({ input: 'hi', tool: 'llm' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
  });

  it('answers 502 when the provider answers 200 without choices', async () => {
    provider.behave((_req, res) => sendJson(res, 200, { choices: [] }));
    const res = await service.execute({ input: 'hi', tool: 'llm' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'BAD_GATEWAY', retryable: false } });
  });

  it('answers 502 when the provider answers something that is not JSON', async () => {
    provider.behave((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const res = await service.execute({ input: 'hi', tool: 'llm' });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'BAD_GATEWAY' });
  });

  it('answers 502 saying the key was rejected on 401, and the key appears in no log line nor body', async () => {
    // Real providers quote the key back in their error text; it must not travel further.
    provider.behave((_req, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${API_KEY}` } }));
    const res = await service.execute({ input: 'hi', tool: 'llm' });
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

describe('the llm tool without AI_BASE_URL', () => {
  it('answers 503 UNAVAILABLE at once, naming AI_BASE_URL and AI_API_KEY', async () => {
    const service = await startService();
    try {
      const res = await service.execute({ input: 'hi', tool: 'llm' });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ success: false, error: { code: 'UNAVAILABLE', retryable: false }, tool: 'llm' });
      expect((res.body.error as { message: string }).message).toMatch(/set AI_BASE_URL.*AI_API_KEY/);
      expect(res.body.duration_ms).toBeLessThan(100);
    } finally {
      await service.close();
    }
  });
});

describe('the llm tool when the provider is unreachable', () => {
  it('answers 502 BAD_GATEWAY', async () => {
    const provider = await startFakeProvider();
    const baseUrl = provider.baseUrl;
    await provider.close(); // nothing listens on that port any more
    const service = await startService({ llm: { baseUrl } });
    try {
      const res = await service.execute({ input: 'hi', tool: 'llm' });
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'BAD_GATEWAY', message: 'LLM provider unreachable (ECONNREFUSED)', retryable: true });
    } finally {
      await service.close();
    }
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
