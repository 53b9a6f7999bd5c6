import type { FastifyInstance } from 'fastify';
import { parseInput } from '@opsconductor/kit';
import type { JobStore } from '@opsconductor/jobs';
import { jobView } from '../jobs/job-view';
import type { QueueMetrics } from '../jobs/queue-metrics';
import { dlqQuerySchema, replayBodySchema } from '../jobs/schemas';
import { storeCall } from '../jobs/store-errors';

export interface DlqRoutesDeps {
  store: JobStore;
  queueMetrics: QueueMetrics;
}

/**
 * The operator's view of the dead-letter queue, across workspaces. No auth yet: the guardrails
 * issue makes these admin-only, and until then the gateway must not route them publicly.
 */
export function registerDlqRoutes(app: FastifyInstance, deps: DlqRoutesDeps): void {
  app.get('/ai/queue/dlq', async (request) => {
    const query = parseInput(dlqQuerySchema, request.query, 'query');
    const page = await storeCall(() => deps.store.listDead({ limit: query.limit, cursor: query.cursor }), (field) => `query.${field}`);
    return { jobs: page.jobs.map(jobView), next_cursor: page.next_cursor };
  });

  app.post('/ai/queue/dlq/replay', async (request, reply) => {
    const body = parseInput(replayBodySchema, request.body, 'body');
    const job = await storeCall(() => deps.store.replayDead(body.workspace_id, body.job_id));
    deps.queueMetrics.recordEnqueue('replay');
    request.log.info({ job_id: job.job_id, workspace_id: job.workspace_id }, 'dead job replayed');
    return reply.code(202).send(jobView(job));
  });
}
