import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { setCorrelationId } from '@opsconductor/kit';
import type { RunOutcome } from './metrics';
import { jobTraceId } from './worker-store';
import type { WorkerJob } from './worker-store';

const tracer = trace.getTracer('@opsconductor/queue-worker');

/** Outcomes that end the attempt in error; `released` and `cancelled` are the worker's or the owner's choice. */
const FAILED: ReadonlySet<RunOutcome> = new Set(['retry', 'dead', 'lease_lost']);

export interface JobSpans {
  /** The context the attempt runs in: the pipeline call and the store calls become its children. */
  context: Context;
  end(outcome: RunOutcome): void;
}

/**
 * Continues the trace the job was submitted in (the automation-service's `ai-jobs publish`
 * span): an `ai-jobs wait` span for its time in the queue, from `queued_at_ms` to the claim,
 * then an `ai-jobs process` consumer span for the attempt. Each attempt of a retried job adds
 * its own pair to the same trace. A job without a traceparent starts a trace of its own. With
 * no SDK started both are no-ops.
 */
export function startJobSpans(job: WorkerJob, claimedAtMs = Date.now()): JobSpans {
  const parent = job.trace?.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: job.trace.traceparent, ...(job.trace.tracestate ? { tracestate: job.trace.tracestate } : {}) })
    : ROOT_CONTEXT;
  const attributes = {
    'messaging.system': 'opsconductor',
    'messaging.destination.name': 'ai-jobs',
    'messaging.message.id': job.job_id,
    'opsconductor.job.action': job.action,
    'opsconductor.job.attempt': job.attempts,
    'opsconductor.workspace_id': job.workspace_id,
  };
  const correlationId = jobTraceId(job);
  if (job.queued_at_ms !== undefined && job.queued_at_ms <= claimedAtMs) {
    const wait = tracer.startSpan('ai-jobs wait', { kind: SpanKind.INTERNAL, startTime: job.queued_at_ms, attributes }, parent);
    setCorrelationId(correlationId, wait);
    wait.end(claimedAtMs);
  }
  const span = tracer.startSpan('ai-jobs process', { kind: SpanKind.CONSUMER, startTime: claimedAtMs, attributes: { ...attributes, 'messaging.operation.type': 'process' } }, parent);
  setCorrelationId(correlationId, span);
  return {
    context: trace.setSpan(parent, span),
    end(outcome) {
      span.setAttribute('opsconductor.job.outcome', outcome);
      if (FAILED.has(outcome)) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
    },
  };
}
