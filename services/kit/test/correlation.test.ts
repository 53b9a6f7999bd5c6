import { context, trace } from '@opentelemetry/api';
import { CORRELATION_ATTRIBUTE, nameServerSpan, setCorrelationId } from '../src/correlation';
import { startRecordingTracing } from '../src/testing';
import type { RecordingTracing } from '../src/testing';

describe('correlation ids on spans', () => {
  let tracing: RecordingTracing;
  beforeAll(() => {
    tracing = startRecordingTracing('kit-correlation-test');
  });
  afterAll(() => tracing.shutdown());
  const tracer = () => trace.getTracer('test');

  it('copies the id from a request\'s span to every span under it, however deep', async () => {
    const server = tracer().startSpan('GET');
    await context.with(trace.setSpan(context.active(), server), async () => {
      nameServerSpan('GET', '/ai/jobs/:id');
      setCorrelationId('caller-7');
      const redis = tracer().startSpan('evalsha');
      await context.with(trace.setSpan(context.active(), redis), async () => tracer().startSpan('socket write').end());
      redis.end();
    });
    server.end();
    await tracing.flush();
    const byName = Object.fromEntries(tracing.spans().map((s) => [s.name, s]));
    expect(byName['GET /ai/jobs/:id']?.attributes).toMatchObject({ 'http.route': '/ai/jobs/:id', [CORRELATION_ATTRIBUTE]: 'caller-7' });
    expect(byName.evalsha?.attributes[CORRELATION_ATTRIBUTE]).toBe('caller-7');
    expect(byName['socket write']?.attributes[CORRELATION_ATTRIBUTE]).toBe('caller-7');
  });

  it('leaves spans outside any correlated request alone', async () => {
    tracer().startSpan('housekeeping').end();
    await tracing.flush();
    expect(tracing.spans().find((s) => s.name === 'housekeeping')?.attributes).not.toHaveProperty(CORRELATION_ATTRIBUTE);
  });
});
