import http from 'node:http';
import { answerEcho } from '../src/tools/echo';
import { sample, startService, waitFor } from './helpers';
import type { TestService } from './helpers';

describe('POST /execute with the echo tool', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.close());

  it('answers ping with pong in the seed shape', async () => {
    const res = await service.execute({ input: 'ping', tool: 'echo' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, output: 'pong', tool: 'echo', duration_ms: expect.any(Number), trace_id: expect.any(String) });
    expect(res.body.trace_id).toBe(res.headers.get('x-trace-id'));
  });

  it('echoes any other input back unchanged', async () => {
    const res = await service.execute({ input: '  hello, World  ', tool: 'echo' });
    expect(res.body).toMatchObject({ success: true, output: '  hello, World  ', tool: 'echo' });
  });

  it('treats ping with surrounding space and any case as ping, and nothing longer', () => {
    expect(answerEcho(' PING\n')).toBe('pong');
    expect(answerEcho('Ping')).toBe('pong');
    expect(answerEcho('ping!')).toBe('ping!');
    expect(answerEcho('ping pong')).toBe('ping pong');
  });

  it('returns the X-Trace-Id it was sent, in the header and the body', async () => {
    const res = await service.execute({ input: 'ping', tool: 'echo' }, { 'x-trace-id': 'abc-123-def' });
    expect(res.headers.get('x-trace-id')).toBe('abc-123-def');
    expect(res.body.trace_id).toBe('abc-123-def');
  });

  it('waits delay_ms before answering', async () => {
    const started = performance.now();
    const res = await service.execute({ input: 'ping', tool: 'echo', params: { delay_ms: 150 } });
    expect(res.body).toMatchObject({ success: true, output: 'pong' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(res.body.duration_ms).toBeGreaterThanOrEqual(145);
  });

  it('cancels the delay when the client disconnects before the answer', async () => {
    const headers = { 'content-type': 'application/json', 'x-trace-id': 'disconnecting-client' };
    const req = http.request(`${service.url}/execute`, { method: 'POST', headers });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ input: 'ping', tool: 'echo', params: { delay_ms: 60_000 } }));
    await waitFor(() => service.logs.lines().find((l) => l.msg === 'running tool' && l.trace_id === 'disconnecting-client'));
    const destroyed = performance.now();
    req.destroy();
    const line = await waitFor(() => service.logs.lines().find((l) => l.msg === 'client closed the connection; tool cancelled'));
    expect(line).toMatchObject({ tool: 'echo' });
    expect(performance.now() - destroyed).toBeLessThan(5000);
    expect(sample(await service.scrape(), 'ai_request_errors_total', { tool: 'echo', error_type: 'CLIENT_CLOSED' })).toBe(1);
  });
});

describe('shutdown while a tool runs', () => {
  it('cancels the running tool, which answers 503 UNAVAILABLE marked retryable', async () => {
    const service = await startService({ drainTimeoutMs: 0 });
    const pending = service.execute({ input: 'ping', tool: 'echo', params: { delay_ms: 60_000 } });
    await waitFor(() => service.logs.lines().find((l) => l.msg === 'running tool'));
    const closing = service.close();
    const res = await pending;
    await closing;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toMatchObject({ success: false, error: { code: 'UNAVAILABLE', retryable: true }, tool: 'echo' });
  });

  it('lets a running tool finish when it ends within the drain time', async () => {
    const service = await startService({ drainTimeoutMs: 20_000 });
    const pending = service.execute({ input: 'ping', tool: 'echo', params: { delay_ms: 200 } });
    await waitFor(() => service.logs.lines().find((l) => l.msg === 'running tool'));
    const closing = service.close();
    const res = await pending;
    await closing;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, output: 'pong' });
  });
});
