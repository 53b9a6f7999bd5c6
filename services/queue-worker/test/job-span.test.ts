import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { CORRELATION_ATTRIBUTE } from '@opsconductor/kit';
import { startRecordingTracing } from '@opsconductor/kit/testing';
import type { RecordingTracing } from '@opsconductor/kit/testing';
import { startJobSpans } from '../src/job-span';
import type { WorkerJob } from '../src/worker-store';

const job = (overrides: Partial<WorkerJob> = {}): WorkerJob => ({
  job_id: 'job-1',
  workspace_id: 'ws-1',
  actor_id: 'alice',
  action: 'echo',
  params: {},
  submitted_params: {},
  attempts: 1,
  max_attempts: 3,
  trace: { trace_id: 'corr-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  queued_at_ms: 1_700_000_000_000,
  ...overrides,
});

describe('the spans of a job attempt', () => {
  let tracing: RecordingTracing;
  beforeAll(() => {
    tracing = startRecordingTracing('queue-worker-test');
  });
  afterAll(() => tracing.shutdown());
  const named = (name: string) => tracing.spans().filter((s) => s.name === name).at(-1);

  it('continues the submitter\'s trace with its time in the queue and the attempt, both under the publish span', async () => {
    const spans = startJobSpans(job(), 1_700_000_002_500);
    const child = trace.getTracer('test').startSpan('pipeline call', {}, spans.context);
    child.end();
    spans.end('completed');

    await tracing.flush();
    const wait = named('ai-jobs wait');
    const run = named('ai-jobs process');
    for (const span of [wait, run]) {
      expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      expect(span?.attributes[CORRELATION_ATTRIBUTE]).toBe('corr-1');
    }
    expect(hrTimeToMilliseconds(wait!.startTime)).toBe(1_700_000_000_000);
    expect(hrTimeToMilliseconds(wait!.endTime)).toBe(1_700_000_002_500);
    expect(run).toMatchObject({ kind: SpanKind.CONSUMER, status: { code: SpanStatusCode.UNSET } });
    expect(run?.attributes).toMatchObject({ 'messaging.message.id': 'job-1', 'opsconductor.job.outcome': 'completed' });
    // What runs in the attempt's context is its child, and inherits the correlation id.
    expect(named('pipeline call')?.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
    expect(named('pipeline call')?.attributes[CORRELATION_ATTRIBUTE]).toBe('corr-1');
  });

  it('marks an attempt that will be retried as failed', async () => {
    startJobSpans(job({ job_id: 'job-2' })).end('retry');
    await tracing.flush();
    expect(named('ai-jobs process')?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'retry' });
  });

  it('starts a trace of its own for a job submitted without a traceparent, correlated by its job id', async () => {
    const spans = startJobSpans(job({ job_id: 'job-3', trace: null }));
    expect(trace.getSpan(spans.context)?.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    spans.end('completed');
    await tracing.flush();
    const run = named('ai-jobs process');
    expect(run?.parentSpanContext).toBeUndefined();
    expect(run?.attributes[CORRELATION_ATTRIBUTE]).toBe('job-3');
  });
});
