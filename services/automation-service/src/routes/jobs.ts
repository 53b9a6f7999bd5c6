import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, parseInput } from '@opsconductor/kit';
import type { JobStore } from '@opsconductor/jobs';
import { callerOf } from '../auth/caller';
import { auditRow } from '../audit/audit-sink';
import type { AuditSink } from '../audit/audit-sink';
import type { ActionPolicy } from '../guardrails/action-policy';
import { jobView } from '../jobs/job-view';
import type { QueueMetrics } from '../jobs/queue-metrics';
import { JOB_ID_PATTERN, listQuerySchema, submitBodySchema } from '../jobs/schemas';
import { idempotencyKeyOf } from '../guardrails/idempotency';
import { notFound, storeCall } from '../jobs/store-errors';
import { publishInTrace } from '../jobs/trace-context';

export interface JobRoutesDeps {
  store: JobStore;
  queueMetrics: QueueMetrics;
  policy: ActionPolicy;
  audit: AuditSink;
}

/** The `:id` of a job route, or 404 before any lookup when it cannot be a job id. */
export function jobIdOf(request: FastifyRequest): string {
  const { id } = request.params as { id?: unknown };
  return typeof id === 'string' && JOB_ID_PATTERN.test(id) ? id : notFound();
}

/**
 * The job routes of the API key's workspace: submit, list, read, cancel, retry. A job of
 * another workspace is answered exactly like one that does not exist.
 */
export function registerJobRoutes(app: FastifyInstance, deps: JobRoutesDeps): void {
  const { store } = deps;

  app.post('/ai/jobs', { config: { scope: 'actions:execute' } }, async (request, reply) => {
    const caller = callerOf(request);
    const body = parseInput(submitBodySchema, request.body, 'body');
    const audit = (outcome: { jobId?: string; error?: unknown }) =>
      deps.audit.record(auditRow({ caller, event: 'submitted', action: body.action, traceId: request.traceId, params: body.params ?? {}, ...outcome }));
    try {
      await deps.policy.check(caller.workspaceId, body.action, 'body.action');
    } catch (err) {
      audit({ error: err });
      throw err;
    }
    const headerKey = idempotencyKeyOf(request);
    if (headerKey !== undefined && body.client_request_id !== undefined && headerKey !== body.client_request_id) {
      throw new AppError('VALIDATION_ERROR', 'client_request_id and the Idempotency-Key header differ; send one, or the same value', {
        details: [{ field: 'body.client_request_id', message: 'differs from headers.idempotency-key' }],
      });
    }
    const { job, replayed } = await storeCall(() =>
      publishInTrace(request.traceId, (trace) =>
        store.enqueue({
          workspace_id: caller.workspaceId,
          actor_id: caller.actorId,
          action: body.action,
          params: body.params,
          priority: body.priority,
          max_attempts: body.max_attempts,
          client_request_id: body.client_request_id ?? headerKey,
          trace,
        }),
      ),
    );
    if (!replayed) {
      deps.queueMetrics.recordEnqueue('submit');
      audit({ jobId: job.job_id });
    }
    request.log.debug({ job_id: job.job_id, action: job.action, replayed }, replayed ? 'job submission replayed' : 'job submitted');
    return reply
      .code(replayed ? 200 : 202)
      .header('location', `/ai/jobs/${job.job_id}`)
      .send(jobView(job));
  });

  app.get('/ai/jobs', { config: { scope: 'actions:preview' } }, async (request) => {
    const caller = callerOf(request);
    const query = parseInput(listQuerySchema, request.query, 'query');
    const page = await storeCall(
      () => store.list(caller.workspaceId, { status: query.status, limit: query.limit, cursor: query.cursor }),
      (field) => `query.${field}`,
    );
    return { jobs: page.jobs.map(jobView), next_cursor: page.next_cursor };
  });

  app.get('/ai/jobs/:id', { config: { scope: 'actions:preview' } }, async (request) => {
    const caller = callerOf(request);
    const job = await store.get(caller.workspaceId, jobIdOf(request));
    return job === null ? notFound() : jobView(job);
  });

  // Pending: cancelled at once (200). Running: the worker is told and stops it (202, still running).
  app.post('/ai/jobs/:id/cancel', { config: { scope: 'actions:execute', idempotent: true } }, async (request, reply) => {
    const caller = callerOf(request);
    const { job, outcome } = await storeCall(() => store.cancel(caller.workspaceId, jobIdOf(request)));
    request.log.info({ job_id: job.job_id, outcome }, 'job cancel');
    // A running job's cancellation is recorded by the worker when it stops.
    if (outcome === 'cancelled') deps.audit.record(auditRow({ caller, event: 'cancelled', action: job.action, jobId: job.job_id, traceId: request.traceId }));
    return reply.code(outcome === 'cancelled' ? 200 : 202).send(jobView(job));
  });

  // Failed (waiting for its retry) or dead: back to pending at once, attempts reset.
  app.post('/ai/jobs/:id/retry', { config: { scope: 'actions:execute', idempotent: true } }, async (request, reply) => {
    const caller = callerOf(request);
    const job = await storeCall(() => store.retry(caller.workspaceId, jobIdOf(request)));
    deps.queueMetrics.recordEnqueue('retry');
    request.log.info({ job_id: job.job_id }, 'job retried');
    return reply.code(202).send(jobView(job));
  });
}
