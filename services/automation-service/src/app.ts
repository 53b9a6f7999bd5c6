import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '@opsconductor/kit';
import type { HttpMetrics, Logger, ReadinessCheck } from '@opsconductor/kit';
import type { Queryable } from '@opsconductor/db';
import { createJobStore, redisReadiness } from '@opsconductor/jobs';
import type { JobStore, JobStoreOptions, RedisClient } from '@opsconductor/jobs';
import { pipelineReadiness } from '@opsconductor/pipeline-client';
import type { ActionPlanner, AiPipeline, ToolCatalog } from '@opsconductor/pipeline-client';
import { createAiMetrics } from './ai-metrics';
import type { AiMetrics } from './ai-metrics';
import { NO_AUDIT } from './audit/audit-sink';
import type { AuditSink } from './audit/audit-sink';
import { registerAuth } from './auth/authenticate';
import type { KeySource } from './auth/authenticate';
import { ActionPolicy } from './guardrails/action-policy';
import type { Allowlist } from './guardrails/action-policy';
import { registerIdempotency } from './guardrails/idempotency';
import { registerRateLimit } from './guardrails/rate-limit-hook';
import type { SettingsSource } from './guardrails/settings';
import type { WorkspaceRateLimit } from './guardrails/workspace-rate-limit';
import { eventReaderFactory } from './jobs/event-reader';
import { createQueueMetrics } from './jobs/queue-metrics';
import type { QueueMetrics } from './jobs/queue-metrics';
import { jobStoreErrorHandler } from './jobs/redis';
import { registerAdminRoutes } from './routes/admin';
import { registerCatalogRoutes } from './routes/catalog';
import { registerDlqRoutes } from './routes/dlq';
import { registerExecuteRoute } from './routes/execute';
import { registerJobEventRoutes } from './routes/job-events';
import { registerJobRoutes } from './routes/jobs';
import { registerPlanRoute } from './routes/plan';
import { registerTaskRoutes } from './routes/tasks';

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

/** Who may do what: keys, workspace settings, and the guardrails built on them. */
export interface AccessDeps {
  /** Resolves `Authorization: Bearer` keys (KeyResolver: cached, revocation honoured within seconds). */
  keys: KeySource;
  /** Each workspace's own rate limit and allowlist (WorkspaceSettingsResolver). */
  settings: SettingsSource;
  /** The database of keys, audit rows and tasks: serves the admin routes and GET /ai/tasks. */
  db?: Queryable;
  /** Where audit rows go (AuditWriter); none without a database. */
  audit?: AuditSink;
  /** The kill switch: false refuses every execution with 503 (default true). */
  actionsEnabled?: boolean;
  /** The allowlist of workspaces without their own (default `*`, every action). */
  allowActionsDefault?: Allowlist;
  /** The per-workspace request limit; absent, requests are not counted. */
  rateLimit?: { limiter: WorkspaceRateLimit; defaultPerMinute: number };
}

export interface AppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  /** ai-pipeline client (one keep-alive pool per process); the app never closes it. */
  pipeline: AiPipeline & ActionPlanner;
  /** ai-pipeline's tool catalog behind GET /ai/tools (the same client in production); without it the route is absent. */
  tools?: ToolCatalog;
  access: AccessDeps;
  /** The /ai/jobs, /ai/events and /ai/queue routes; without it the app serves /ai/execute only. */
  jobs?: JobsDeps;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Defaults to the ai_* series registered on `metrics.registry`. */
  aiMetrics?: AiMetrics;
}

/**
 * The automation-service API: POST /ai/execute, the durable-jobs routes, the admin routes, and
 * the kit's /health and /ready (ready when ai-pipeline's /health answers and Redis answers
 * PING). Every /ai/ route needs an API key with the route's scope. Listening and closing are
 * the caller's; `close()` drains and ends open event streams.
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
  const { access } = deps;
  const audit = access.audit ?? NO_AUDIT;
  registerAuth(app, { keys: access.keys });
  if (access.rateLimit) registerRateLimit(app, { limiter: access.rateLimit.limiter, settings: access.settings, defaultPerMinute: access.rateLimit.defaultPerMinute });
  // Before any route: it attaches its hooks to each opted-in route as the route is declared.
  // The answers it keeps live beside the job store's keys; without Redis there is nothing to keep them in.
  if (deps.jobs) {
    const prefix = `${deps.jobs.store?.prefix ?? 'oc'}:idem`;
    registerIdempotency(app, { redis: deps.jobs.redis, prefix, scopeOf: (request) => request.caller?.workspaceId });
  }
  const policy = new ActionPolicy({ actionsEnabled: access.actionsEnabled ?? true, defaultAllowlist: access.allowActionsDefault ?? '*', settings: access.settings });

  registerExecuteRoute(app, { pipeline: deps.pipeline, aiMetrics: deps.aiMetrics ?? createAiMetrics(deps.metrics.registry), policy, audit });
  registerPlanRoute(app, { pipeline: deps.pipeline, policy });
  if (deps.tools) registerCatalogRoutes(app, { tools: deps.tools, policy });
  const db = access.db;
  // The tasks task.create writes: kept in the database, so served with or without Redis.
  if (db) registerTaskRoutes(app, { db });
  const registerAdmin = (scope: FastifyInstance, store?: JobStore) => {
    if (db) registerAdminRoutes(scope, { db, audit, store });
  };
  if (deps.jobs) registerJobsApi(app, deps.jobs, deps.metrics, { policy, audit }, registerAdmin);
  else registerAdmin(app);
  return app;
}

function registerJobsApi(
  app: FastifyInstance,
  jobs: JobsDeps,
  metrics: HttpMetrics,
  guard: { policy: ActionPolicy; audit: AuditSink },
  registerAdmin: (scope: FastifyInstance, store: JobStore) => void,
): void {
  const storeOptions = jobs.store ?? {};
  const store = createJobStore({ ...storeOptions, redis: jobs.redis });
  const queueMetrics = jobs.queueMetrics ?? createQueueMetrics(metrics.registry);
  // One encapsulated scope, so its error handler sees only the routes that need Redis.
  void app.register(async (scope) => {
    scope.setErrorHandler(jobStoreErrorHandler(jobs.redis));
    registerJobRoutes(scope, { store, queueMetrics, ...guard });
    registerJobEventRoutes(scope, {
      store,
      redis: jobs.redis,
      heartbeatMs: jobs.sseHeartbeatMs ?? 15_000,
      maxTrackedPositions: jobs.ssePositionLimit,
      openReader: eventReaderFactory(jobs.redis, storeOptions, `${SERVICE_NAME}:sse:${store.keys.prefix}`),
    });
    registerDlqRoutes(scope, { store, queueMetrics });
    registerAdmin(scope, store);
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
