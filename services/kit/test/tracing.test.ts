import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { spanServiceVersion, startTracing } from '../src/tracing';
import type { Tracing } from '../src/tracing';
import { outgoingTraceHeaders } from '../src/outgoing';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(() => {
    tracing = startTracing({ serviceName: 'kit-test', serviceVersion: '0.1.0', env: { SERVICE_VERSION: 'kit-canary' }, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(() => tracing.shutdown());

  it('does not export anywhere without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(tracing.exporting).toBe(false);
  });

  it('sends exactly one traceparent, the client span of the active trace, with X-Trace-Id', async () => {
    const seen: Array<string | undefined> = [];
    const seenTraceIds: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.traceparent as string | undefined);
      seenTraceIds.push(req.headers['x-trace-id'] as string | undefined);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const span = trace.getTracer('test').startSpan('caller');
    await context.with(trace.setSpan(context.active(), span), async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: outgoingTraceHeaders('t-1') });
      await res.text();
    });
    span.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^00-${span.spanContext().traceId}-[0-9a-f]{16}-01$`));
    expect(seenTraceIds).toEqual(['t-1']);
    expect(exporter.getFinishedSpans().some((s) => s.name === 'caller')).toBe(true);
  });

  it('names SERVICE_VERSION as the spans\' service.version, over the package version', () => {
    trace.getTracer('test').startSpan('versioned').end();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'versioned');
    expect(span?.resource.attributes['service.version']).toBe('kit-canary');
  });
});

describe('the service.version of spans', () => {
  it.each([
    [{ OTEL_SERVICE_VERSION: 'otel', SERVICE_VERSION: 'canary' }, '1.2.3', 'otel'],
    [{ SERVICE_VERSION: 'canary' }, '1.2.3', 'canary'],
    [{ OTEL_SERVICE_VERSION: '', SERVICE_VERSION: '' }, '1.2.3', '1.2.3'],
    [{}, undefined, 'dev'],
  ])('with %j and package version %p is %p', (env, pkg, expected) => {
    expect(spanServiceVersion(env, pkg)).toBe(expected);
  });
});

describe('tracing without anything to record spans', () => {
  it('does not start the SDK when no OTLP endpoint is set and no processor is given', async () => {
    const tracing = startTracing({ serviceName: 'kit-test-off', env: {} });
    expect(tracing).toMatchObject({ started: false, exporting: false });
    await tracing.shutdown();
  });

  it('honours OTEL_SDK_DISABLED=true even with an endpoint', async () => {
    const tracing = startTracing({ serviceName: 'kit-test-off', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' } });
    expect(tracing).toMatchObject({ started: false, exporting: false });
    await tracing.shutdown();
  });
});
