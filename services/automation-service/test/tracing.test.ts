import { trace } from '@opentelemetry/api';
import { startRecordingTracing } from '@opsconductor/kit/testing';
import type { Tracing } from '@opsconductor/kit/tracing';
import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline, ReceivedRequest } from './fake-pipeline';
import { createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/** Every value of one header as sent (a repeated header would break the W3C parent). */
function valuesOf(req: ReceivedRequest | undefined, name: string): string[] {
  const raw = req?.rawHeaders ?? [];
  return raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [raw[i + 1] ?? ''] : []));
}

describe('trace context on the call to ai-pipeline, with tracing started', () => {
  let tracing: Tracing;
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();

  beforeAll(async () => {
    tracing = startRecordingTracing('automation-service-test');
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url });
    caller.useHeaders(service.auth);
  });

  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
    await tracing.shutdown();
  });

  it('sends the trace id as X-Trace-Id and exactly one W3C traceparent', async () => {
    const res = await caller.call(`${service.url}/ai/execute`, { body: { input: 'ping', trace_id: 'traced-1' } });
    expect(res.status).toBe(200);
    const got = upstream.received.at(-1);
    expect(valuesOf(got, 'x-trace-id')).toEqual(['traced-1']);
    const parents = valuesOf(got, 'traceparent');
    expect(parents).toHaveLength(1);
    expect(parents[0]).toMatch(TRACEPARENT);
  });

  it('continues the active span: exactly one traceparent (the undici instrumentation adds it), carrying its trace', async () => {
    const tracer = trace.getTracer('test');
    const spanTraceId = await tracer.startActiveSpan('incoming', async (span) => {
      try {
        await service.pipeline.execute({ input: 'ping' }, { traceId: 'traced-2', signal: new AbortController().signal });
        return span.spanContext().traceId;
      } finally {
        span.end();
      }
    });
    const parents = valuesOf(upstream.received.at(-1), 'traceparent');
    expect(parents).toHaveLength(1);
    expect(parents[0]?.match(TRACEPARENT)?.[1]).toBe(spanTraceId);
  });
});
