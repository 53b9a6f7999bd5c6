import { startRecordingTracing } from '@opsconductor/kit/testing';
import { createClient, realConfigText, startGateway, startRealGateway, startUpstream, UUID, waitFor } from './helpers';
import type { RunningGateway, Upstream } from './helpers';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const CLIENT = 2; // SpanKind.CLIENT

/**
 * The opentelemetry plugin of the real kong.yml. Without spans recorded first: the test client
 * (undici) is instrumented too while a recording tracer runs, and would add its own traceparent.
 */
describe('the opentelemetry plugin without spans recorded (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let upstream: Upstream;
  const client = createClient();
  afterAll(async () => {
    await upstream.close();
    await client.close();
  });

  it("sends the client's traceparent and tracestate upstream as they came, and adds none", async () => {
    upstream = await startUpstream();
    const gw = await startRealGateway(upstream.port);
    try {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { traceparent, tracestate: 'client=1' }, body: '{}' });
      expect(upstream.seen.at(-1)?.headers).toMatchObject({ traceparent, tracestate: 'client=1' });
      await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: '{}' });
      expect(upstream.seen.at(-1)?.headers).not.toHaveProperty('traceparent');
    } finally {
      await gw.close();
    }
  });

  it('takes the headers of propagation.clear off the upstream request', async () => {
    const text = realConfigText().replace('extract: [w3c]', 'extract: [w3c]\n        clear: [X-B3-TraceId]');
    expect(text).toContain('clear: [X-B3-TraceId]');
    const gw = await startGateway(text, { overrides: new Map([['automation-service:3003', { host: '127.0.0.1', port: upstream.port }]]) });
    try {
      await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { 'x-b3-traceid': '463ac35c9f6413ad', 'x-keep': 'yes' }, body: '{}' });
      expect(upstream.seen.at(-1)?.headers).not.toHaveProperty('x-b3-traceid');
      expect(upstream.seen.at(-1)?.headers['x-keep']).toBe('yes');
    } finally {
      await gw.close();
    }
  });
});

/**
 * As instrument.ts runs it when OTEL_EXPORTER_OTLP_ENDPOINT is set, recording in memory. Jest's
 * module loader keeps the http server instrumentation out (no server span here, unlike the
 * running stand-in), but the undici instrumentation works: the gateway's upstream call is a
 * span of its own, and its traceparent is what the upstream must receive.
 */
describe('the opentelemetry plugin with spans recorded', () => {
  let tracing: ReturnType<typeof startRecordingTracing>;
  let upstream: Upstream;
  let gw: RunningGateway;
  const client = createClient();

  beforeAll(async () => {
    tracing = startRecordingTracing('gateway-local-test');
    upstream = await startUpstream();
    gw = await startRealGateway(upstream.port, { tracing: true });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
    await client.close();
    await tracing.shutdown();
  });

  const spanTo = (port: number) => tracing.spans().find((s) => String(s.attributes['url.full']).startsWith(`http://127.0.0.1:${port}/`));

  it("sends the upstream one traceparent, the gateway's span's, instead of the client's", async () => {
    // The instrumented test client sends a traceparent of its own span: the client's.
    const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { tracestate: 'client=1' }, body: '{}' });
    expect(res.status).toBe(200);
    const clientSpan = await waitFor(() => spanTo(Number(new URL(gw.proxyUrl).port)), "the client's span");

    const received = upstream.seen.at(-1)?.headers;
    const [, traceId, parentId] = TRACEPARENT.exec(String(received?.traceparent)) ?? [];
    expect(parentId).toBeDefined();
    expect(parentId).not.toBe(clientSpan.spanContext().spanId);
    expect(received).not.toHaveProperty('tracestate');

    const gatewaySpan = await waitFor(() => tracing.spans().find((s) => s.spanContext().spanId === parentId), 'the span named by the traceparent');
    expect(gatewaySpan.kind).toBe(CLIENT);
    expect(gatewaySpan.spanContext().traceId).toBe(traceId);
    expect(gatewaySpan.attributes['url.full']).toBe(`http://127.0.0.1:${upstream.port}/ai/execute`);
  });

  it('gives its own errors a W3C trace id (not the X-Request-Id) when the client sent no X-Trace-Id', async () => {
    const res = await client.call(`${gw.proxyUrl}/nope`, { method: 'POST' });
    expect(res.status).toBe(404);
    const traceId = res.json().trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers['x-trace-id']).toBe(traceId);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it("keeps the client's valid X-Trace-Id as its errors' trace id, and passes it upstream", async () => {
    const res = await client.call(`${gw.proxyUrl}/nope`, { method: 'POST', headers: { 'x-trace-id': 'caller-1' } });
    expect(res.json().trace_id).toBe('caller-1');
    await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { 'x-trace-id': 'caller-1' }, body: '{}' });
    expect(upstream.seen.at(-1)?.headers['x-trace-id']).toBe('caller-1');
  });
});
