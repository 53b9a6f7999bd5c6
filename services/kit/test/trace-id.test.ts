import { trace } from '@opentelemetry/api';
import { startRecordingTracing } from '../src/testing';
import { isValidTraceId, resolveTraceId } from '../src/trace-id';

describe('trace ids', () => {
  it.each(['abc-123-def', 'a', 'A.b_c:d-e', 'x'.repeat(128)])('accepts %s', (value) => {
    expect(isValidTraceId(value)).toBe(true);
    expect(resolveTraceId(value)).toEqual({ traceId: value });
  });

  it.each(['', 'x'.repeat(129), 'has space', 'semi;colon', 'slash/es', 'ünïcode', '<script>'])('replaces %j', (value) => {
    const resolved = resolveTraceId(value);
    expect(isValidTraceId(resolved.traceId)).toBe(true);
    expect(resolved.traceId).not.toBe(value);
    if (value !== '') expect(resolved.rejected).toBe(value);
  });

  it('generates a fresh id of the W3C shape for each request without one while no trace is recorded', () => {
    const a = resolveTraceId(undefined).traceId;
    const b = resolveTraceId(undefined).traceId;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  describe('inside a recorded trace', () => {
    const tracing = startRecordingTracing('kit-trace-id-test');
    afterAll(() => tracing.shutdown());

    it('answers a request without an id, or with an invalid one, with the id of its trace', () => {
      trace.getTracer('test').startActiveSpan('GET /x', (span) => {
        expect(resolveTraceId(undefined)).toEqual({ traceId: span.spanContext().traceId });
        expect(resolveTraceId('bad id')).toEqual({ traceId: span.spanContext().traceId, rejected: 'bad id' });
        // The caller's own id is kept: it is the correlation id, set on the spans as an attribute.
        expect(resolveTraceId('caller-1')).toEqual({ traceId: 'caller-1' });
        span.end();
      });
    });
  });

  it('uses the first value of a repeated header', () => {
    expect(resolveTraceId(['first', 'second']).traceId).toBe('first');
  });
});
