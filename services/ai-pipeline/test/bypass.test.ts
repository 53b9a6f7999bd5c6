import { startFakeProvider, startService } from './helpers';
import type { FakeProvider, TestService } from './helpers';

describe('FEATURE_BYPASS_LLM=true (canary mode)', () => {
  let provider: FakeProvider;
  let service: TestService;
  beforeAll(async () => {
    provider = await startFakeProvider();
    service = await startService({ bypassLlm: true, llm: { baseUrl: provider.baseUrl, apiKey: 'sk-bypass' } });
  });
  afterAll(async () => {
    await service.close();
    await provider.close();
  });

  it.each([
    [{ input: 'ping' }, 'pong'],
    [{ input: 'ping', tool: 'echo' }, 'pong'],
    [{ input: 'ping', tool: 'llm.complete' }, 'pong'],
    [{ input: 'ping', tool: 'llm' }, 'pong'],
    [{ input: 'summarise this text for me', tool: 'llm.complete', params: { temperature: 0.2 } }, 'summarise this text for me'],
    [{ input: 'explain quantum computing' }, 'explain quantum computing'],
  ])('answers %j with the echo tool', async (body, output) => {
    const res = await service.execute(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, output, tool: 'echo' });
  });

  it('still honours echo params and validates them', async () => {
    const ok = await service.execute({ input: 'ping', params: { delay_ms: 1 } });
    expect(ok.body).toMatchObject({ success: true, output: 'pong' });
    const bad = await service.execute({ input: 'ping', params: { delay_ms: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'body.params.delay_ms' }] });
  });

  it('refuses a tool name that is not registered, as without the bypass', async () => {
    const res = await service.execute({ input: 'ping', tool: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'body.tool' }] });
  });

  it('never calls the LLM nor the selector', async () => {
    expect(provider.received).toHaveLength(0);
    const text = await service.scrape();
    expect(text).toMatch(/^selector_cache_misses_total\{[^}]*\} 0$/m);
    expect(text).toMatch(/^selector_search_duration_seconds_count\{[^}]*\} 0$/m);
  });
});
