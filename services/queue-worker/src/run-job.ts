import { context } from '@opentelemetry/api';
import type { Logger } from '@opsconductor/kit';
import { PipelineError } from '@opsconductor/pipeline-client';
import type { AiPipeline } from '@opsconductor/pipeline-client';
import { NO_JOB_AUDIT } from './job-audit';
import { startJobSpans } from './job-span';
import type { JobAudit } from './job-audit';
import type { RunOutcome, WorkerMetrics } from './metrics';
import { jobTraceId } from './worker-store';
import type { Claimed, WorkerStore } from './worker-store';

export interface RunDeps<C extends Claimed> {
  store: WorkerStore<C>;
  pipeline: AiPipeline;
  logger: Logger;
  metrics: WorkerMetrics;
  leaseMs: number;
  /** How often the lease is extended and the cancel flag read (≤ 1 s: cancellation is seen within it). */
  heartbeatMs: number;
  /** When set, a completed job's store call also leases the next job of its partition (`next`). */
  claimNext?: { workerId: string; leaseMs: number };
  /** Records the attempt's audit rows (none when absent). */
  audit?: JobAudit;
}

/** A running job's handle: lets the worker cancel it (cancel message) or hand it back (shutdown). */
export interface Running<C extends Claimed = Claimed> {
  jobId: string;
  cancel(): void;
  release(): void;
  done: Promise<RunOutcome>;
  /** Once `done`: the job leased with the completion (RunDeps.claimNext), now this caller's to run. */
  readonly next: C | null;
}

/**
 * Runs one claimed job through ai-pipeline's POST /execute, in the trace the job was
 * submitted with, keeping its lease alive, and records how it ended:
 * completed, failed (retry or dead, by the pipeline's `retryable`), cancelled, or given back,
 * in the metrics, the log and the audit trail.
 * A job's `params.input` is the pipeline's input (default: the action name); the rest are the
 * tool's params.
 */
export function runJob<C extends Claimed>(claim: C, deps: RunDeps<C>): Running<C> {
  const { job } = claim;
  const log = jobLogger(deps.logger, { trace_id: job.trace?.trace_id, workspace_id: job.workspace_id, job_id: job.job_id, action: job.action, attempt: job.attempts });
  const controller = new AbortController();
  let stop: 'cancelled' | 'released' | 'lease_lost' | undefined;
  let next: C | null = null;
  const abort = (why: typeof stop) => {
    if (stop) return;
    stop = why;
    controller.abort(new Error(`job ${why}`));
  };

  const heartbeat = setInterval(() => {
    deps.store.extendLease(claim, deps.leaseMs).then(
      ({ ok, cancelRequested }) => {
        if (!ok) abort('lease_lost');
        else if (cancelRequested) abort('cancelled');
      },
      (err: unknown) => log.warn({ err }, 'could not extend the lease; retrying at the next heartbeat'),
    );
  }, deps.heartbeatMs);

  const started = performance.now();
  const spans = startJobSpans(job);
  deps.metrics.dequeued.inc();
  deps.metrics.workers.inc();
  const audit = (deps.audit ?? NO_JOB_AUDIT).started(job);
  // The code a failed attempt ends with, for its audit row.
  let errorCode: string | undefined;

  // The store calls run in the attempt's span too, so its completion shows in the trace.
  const done = context.with(spans.context, async (): Promise<RunOutcome> => {
    try {
      const { input, ...params } = job.params;
      const request = { input: typeof input === 'string' && input !== '' ? input : job.action, tool: job.action, params };
      // The job id lets a tool with side effects do them once however often the job runs.
      const answer = await deps.pipeline.execute(request, { traceId: jobTraceId(job), signal: controller.signal, workspaceId: job.workspace_id, jobId: job.job_id });
      if (!deps.claimNext) return (await deps.store.complete(claim, answer.output)) ? 'completed' : 'lease_lost';
      const completed = await deps.store.completeAndClaim(claim, answer.output, deps.claimNext);
      next = completed.next;
      return completed.ok ? 'completed' : 'lease_lost';
    } catch (err) {
      return await settleFailure(err);
    }
  })
    // Also when a store call threw (Redis gone): a heartbeat left beating would keep the lease
    // of a job nobody runs any more, so it would never be reaped and run again.
    .finally(() => {
      clearInterval(heartbeat);
      deps.metrics.workers.dec();
    })
    .then((outcome) => {
      const seconds = (performance.now() - started) / 1000;
      const durationMs = Math.round(seconds * 1000);
      deps.metrics.jobs.inc({ status: outcome });
      audit.ended(outcome, { durationMs, errorCode });
      // In the attempt's context: the duration's exemplar names its trace, the log line its span.
      context.with(spans.context, () => {
        deps.metrics.duration.observe({ status: outcome }, seconds);
        log.info({ outcome, duration_ms: durationMs }, 'job run ended');
      });
      spans.end(outcome);
      return outcome;
    });

  async function settleFailure(err: unknown): Promise<RunOutcome> {
    if (stop === 'cancelled') return (await deps.store.finishCancelled(claim)) ? 'cancelled' : 'lease_lost';
    if (stop === 'released') {
      await deps.store.release(claim);
      return 'released';
    }
    if (stop === 'lease_lost') return 'lease_lost';
    const failure =
      err instanceof PipelineError
        ? { code: err.code, message: err.message, retryable: err.retryable }
        : { code: 'INTERNAL_ERROR', message: 'the worker could not run the job', retryable: true };
    if (!(err instanceof PipelineError)) log.error({ err }, 'unexpected error running a job');
    errorCode = failure.code;
    const outcome = await deps.store.fail(claim, { code: failure.code, message: failure.message }, { retryable: failure.retryable });
    log.warn({ code: failure.code, retryable: failure.retryable, outcome }, 'job run failed');
    return outcome;
  }

  return {
    jobId: job.job_id,
    cancel: () => abort('cancelled'),
    release: () => abort('released'),
    done,
    get next() {
      return next;
    },
  };
}

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/**
 * The job's fields on each of its log lines. A pino child per job did the same, but creating
 * one (its bindings serialised through the redaction) cost ~5 % of a busy worker's CPU, and a
 * job logs about one line.
 */
function jobLogger(logger: Logger, bindings: Record<string, unknown>): { info: LogFn; warn: LogFn; error: LogFn } {
  const at = (level: 'info' | 'warn' | 'error'): LogFn => (fields, message) => {
    if (logger.isLevelEnabled(level)) logger[level]({ ...bindings, ...fields }, message);
  };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}
