import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '@opsconductor/kit';
import type { HttpMetrics, Logger, ReadinessCheck } from '@opsconductor/kit';
import { createJobStore } from '@opsconductor/jobs';
import type { JobStoreOptions, RedisClient } from '@opsconductor/jobs';
import { createAiMetrics } from './ai-metrics';
import type { AiMetrics } from './ai-metrics';
import { pipelineReadiness } from '@opsconductor/pipeline-client';
import type { AiPipeline } from '@opsconductor/pipeline-client';
import { registerExecuteRoute } from './routes/execute';
import { registerJobRoutes } from './routes/jobs';
import { registerJobEventRoutes } from './routes/job-events';
import { registerDlqRoutes } from './routes/dlq';
import { createQueueMetrics } from './jobs/queue-metrics';
import type { QueueMetrics } from './jobs/queue-metrics';
import { redisReadiness } from '@opsconductor/jobs';
import { jobStoreErrorHandler } from './jobs/redis';
import { eventReaderFactory } from './jobs/event-reader';

export const SERVICE_NAME = 'automation-service';

/** The durable-jobs side: the job store on Redis, and how its event streams behave. */
export interface JobsDeps {
  /** Commands and scripts (one client per process); the app never closes it. Each event stream duplicates it. */
  redis: RedisClient;
  /** Store settings shared with the queue-worker (prefix, partitions, caps, retention). */
  store?: Omit<JobStoreOptions, 'redis' | 'blockingRedis'>;
  /** An idle event stream gets a comment this often (default 15000). */
  sseHeartbeatMs?: number;
  /** Pending jobs one event stream follows the queue position of (default 100). */
  ssePositionLimit?: number;
  /** Defaults to ai_queue_enqueue_total registered on `metrics.registry`. */
  queueMetrics?: QueueMetrics;
}

export interface AppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  /** ai-pipeline client (one keep-alive pool per process); the app never closes it. */
  pipeline: AiPipeline;
  /** The /ai/jobs, /ai/events and /ai/queue routes; without it the app serves /ai/execute only. */
  jobs?: JobsDeps;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Defaults to the ai_* series registered on `metrics.registry`. */
  aiMetrics?: AiMetrics;
}

/**
 * The automation-service API: POST /ai/execute, the durable-jobs routes, and the kit's /health
 * and /ready (ready when ai-pipeline's /health answers and Redis answers PING). Listening and
 * closing are the caller's; `close()` drains and ends open event streams.
 */
export function createApp(deps: AppDeps): FastifyInstance {
  const readiness: ReadinessCheck[] = [pipelineReadiness(deps.pipeline)];
  if (deps.jobs) readiness.push(redisReadiness(deps.jobs.redis));
  const app = createHttpApp({
    service: SERVICE_NAME,
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimit: deps.bodyLimitBytes,
    readiness,
  });
  registerExecuteRoute(app, { pipeline: deps.pipeline, aiMetrics: deps.aiMetrics ?? createAiMetrics(deps.metrics.registry) });
  if (deps.jobs) registerJobsApi(app, deps.jobs, deps.metrics);
  return app;
}

function registerJobsApi(app: FastifyInstance, jobs: JobsDeps, metrics: HttpMetrics): void {
  const storeOptions = jobs.store ?? {};
  const store = createJobStore({ ...storeOptions, redis: jobs.redis });
  const queueMetrics = jobs.queueMetrics ?? createQueueMetrics(metrics.registry);
  // One encapsulated scope, so its error handler sees only the routes that need Redis.
  void app.register(async (scope) => {
    scope.setErrorHandler(jobStoreErrorHandler(jobs.redis));
    registerJobRoutes(scope, { store, queueMetrics });
    registerJobEventRoutes(scope, {
      store,
      redis: jobs.redis,
      heartbeatMs: jobs.sseHeartbeatMs ?? 15_000,
      maxTrackedPositions: jobs.ssePositionLimit,
      openReader: eventReaderFactory(jobs.redis, storeOptions, `${SERVICE_NAME}:sse:${store.keys.prefix}`),
    });
    registerDlqRoutes(scope, { store, queueMetrics });
  });
}

export { createAiPipelineClient, pipelineReadiness } from '@opsconductor/pipeline-client';
export type { AiPipeline, AiPipelineClientOptions, CallContext, ExecuteRequest } from '@opsconductor/pipeline-client';
export { createAiMetrics } from './ai-metrics';
export type { AiMetrics } from './ai-metrics';
export { createQueueMetrics } from './jobs/queue-metrics';
export type { QueueMetrics } from './jobs/queue-metrics';
export { configSchema } from './config';
export type { Config } from './config';
