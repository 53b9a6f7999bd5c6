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

  it('generates a fresh id for each request without one', () => {
    const a = resolveTraceId(undefined).traceId;
    const b = resolveTraceId(undefined).traceId;
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it('uses the first value of a repeated header', () => {
    expect(resolveTraceId(['first', 'second']).traceId).toBe('first');
  });
});
