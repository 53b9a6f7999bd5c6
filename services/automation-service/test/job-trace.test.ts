import { trace } from '@opentelemetry/api';
import { startRecordingTracing } from '@opsconductor/kit/testing';
import type { Tracing } from '@opsconductor/kit/tracing';
import { jobTraceContext } from '../src/jobs/trace-context';

/**
 * The trace a job carries. In the running service the active span is the http server span of
 * POST /ai/jobs (instrumented by `--require dist/instrument.js`); Jest's module loader keeps
 * the http instrumentation out, so here the active span is made by hand.
 */
describe('trace context of a submitted job', () => {
  it('has only the trace id while tracing is not started', () => {
    expect(jobTraceContext('t-1')).toEqual({ trace_id: 't-1' });
  });

  describe('with tracing started', () => {
    let tracing: Tracing;
    beforeAll(() => {
      tracing = startRecordingTracing('automation-service-test');
    });
    afterAll(() => tracing.shutdown());

    it('carries the W3C traceparent of the active span, so the worker continues its trace', () => {
      const { carried, spanContext } = trace.getTracer('test').startActiveSpan('POST /ai/jobs', (span) => {
        try {
          return { carried: jobTraceContext('t-2'), spanContext: span.spanContext() };
        } finally {
          span.end();
        }
      });
      expect(carried).toEqual({ trace_id: 't-2', traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-01` });
    });
  });
});
