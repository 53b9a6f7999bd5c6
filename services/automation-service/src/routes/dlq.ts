import type { FastifyInstance } from 'fastify';
import { parseInput } from '@opsconductor/kit';
import type { JobStore } from '@opsconductor/jobs';
import { callerOf, refuseOtherWorkspace } from '../auth/caller';
import { jobView } from '../jobs/job-view';
import type { QueueMetrics } from '../jobs/queue-metrics';
import { dlqQuerySchema, replayBodySchema } from '../jobs/schemas';
import { storeCall } from '../jobs/store-errors';

export interface DlqRoutesDeps {
  store: JobStore;
  queueMetrics: QueueMetrics;
}

/**
 * The dead-letter queue of the admin key's workspace, newest job first, and replay.
 * Admins of one workspace never see another's dead jobs; the platform-wide view is the
 * queue metrics (docs/decisions/guardrails.md).
 */
export function registerDlqRoutes(app: FastifyInstance, deps: DlqRoutesDeps): void {
  app.get('/ai/queue/dlq', { config: { scope: 'admin' } }, async (request) => {
    const caller = callerOf(request);
    const query = parseInput(dlqQuerySchema, request.query, 'query');
    const page = await storeCall(
      () => deps.store.list(caller.workspaceId, { status: 'dead', limit: query.limit, cursor: query.cursor }),
      (field) => `query.${field}`,
    );
    return { jobs: page.jobs.map(jobView), next_cursor: page.next_cursor };
  });

  app.post('/ai/queue/dlq/replay', { config: { scope: 'admin', idempotent: true } }, async (request, reply) => {
    const caller = callerOf(request);
    const body = parseInput(replayBodySchema, request.body, 'body');
    refuseOtherWorkspace(caller, body.workspace_id, 'body.workspace_id');
    const job = await storeCall(() => deps.store.replayDead(caller.workspaceId, body.job_id));
    deps.queueMetrics.recordEnqueue('replay');
    request.log.info({ job_id: job.job_id }, 'dead job replayed');
    return reply.code(202).send(jobView(job));
  });
}
