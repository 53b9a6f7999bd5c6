import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { TraceContext } from '@opsconductor/jobs';
import { startRecordingTracing } from '@opsconductor/kit/testing';
import { publishInTrace } from '../src/jobs/trace-context';

/**
 * The trace a job carries. In the running service the active span is the http server span of
 * POST /ai/jobs (instrumented by `--require dist/instrument.js`); Jest's module loader keeps
 * the http instrumentation out, so here the active span is made by hand.
 */
describe('trace context of a submitted job', () => {
  it('has only the trace id while tracing is not started', async () => {
    await expect(publishInTrace('t-1', async (carried) => carried)).resolves.toEqual({ trace_id: 't-1' });
  });

  describe('with tracing started', () => {
    let tracing: ReturnType<typeof startRecordingTracing>;
    beforeAll(() => {
      tracing = startRecordingTracing('automation-service-test');
    });
    afterAll(() => tracing.shutdown());

    it('carries the traceparent of a producer span under the request, so the worker continues that trace', async () => {
      let carried: TraceContext | undefined;
      const request = trace.getTracer('test').startSpan('POST /ai/jobs');
      const requestContext = trace.setSpan(context.active(), request);
      await context.with(requestContext, () =>
        publishInTrace('t-2', async (t) => {
          carried = t;
          return 'stored';
        }),
      );
      request.end();
      await tracing.flush();
      const publish = tracing.spans().filter((s) => s.name === 'ai-jobs publish').at(-1);
      expect(publish?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(publish?.kind).toBe(SpanKind.PRODUCER);
      expect(carried).toEqual({ trace_id: 't-2', traceparent: `00-${request.spanContext().traceId}-${publish?.spanContext().spanId}-01` });
    });

    it('marks the producer span failed when the store refuses the job', async () => {
      await expect(
        publishInTrace('t-3', async () => {
          throw new Error('store down');
        }),
      ).rejects.toThrow('store down');
      await tracing.flush();
      const failed = tracing.spans().filter((s) => s.name === 'ai-jobs publish').at(-1);
      expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store down' });
    });
  });
});
