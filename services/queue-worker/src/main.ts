import { connectRedis, createJobStore, createKeySpace, duplicateConnection } from '@opsconductor/jobs';
import { circuitBreakerSettings, createLogger, createMetrics, loadConfigOrExit, runMain, serve } from '@opsconductor/kit';
import { createAiPipelineClient } from '@opsconductor/pipeline-client';
import { SERVICE_NAME, createWorkerApp } from './app';
import { openAuditTrail } from './audit-trail';
import { configSchema } from './config';

/** Kept from the grace period for giving unfinished jobs back and closing connections. */
const RELEASE_RESERVE_MS = 1000;

runMain(SERVICE_NAME, async () => {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: SERVICE_NAME });
  const redis = connectRedis({ url: config.REDIS_URL, cluster: config.REDIS_CLUSTER, connectionName: SERVICE_NAME });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  // Subscriptions hold their connection: wake-ups and cancels get one of their own.
  const subscriber = duplicateConnection(redis, `${SERVICE_NAME}:subscriber`);
  const store = createJobStore({
    redis,
    prefix: config.JOB_KEY_PREFIX,
    partitions: config.JOB_PARTITIONS,
    retentionDays: config.JOB_RETENTION_DAYS,
    backoff: { baseMs: config.RETRY_BASE_MS, factor: config.RETRY_FACTOR, capMs: config.RETRY_CAP_MS },
  });
  // No PGlite fallback: its files open in one process only (the local launcher serves PGlite
  // over the PostgreSQL protocol and sets DATABASE_URL).
  const auditTrail = config.DATABASE_URL ? await openAuditTrail({ url: config.DATABASE_URL, registry: metrics.registry, logger }) : undefined;
  if (!config.ACTIONS_ENABLED) logger.warn('ACTIONS_ENABLED=false: this worker claims no job until it is restarted with actions enabled');
  if (!auditTrail) logger.warn('DATABASE_URL is not set: no audit rows are written for the jobs this worker runs');
  const pipeline = createAiPipelineClient({
    baseUrl: config.AI_PIPELINE_URL,
    timeoutMs: config.AI_PIPELINE_TIMEOUT_MS,
    circuitBreaker: { registry: metrics.registry, settings: circuitBreakerSettings(config), logger },
  });
  const { http, worker } = await createWorkerApp({
    logger,
    metrics,
    store,
    redis,
    subscriber,
    channels: createKeySpace(config.JOB_KEY_PREFIX, config.JOB_PARTITIONS).channels,
    pipeline,
    partitions: config.JOB_PARTITIONS,
    concurrency: config.WORKER_CONCURRENCY,
    actionsEnabled: config.ACTIONS_ENABLED,
    leaseMs: config.JOB_LEASE_MS,
    maintenanceMs: config.QUEUE_MAINTENANCE_MS,
    auditWriter: auditTrail?.writer,
  });

  await serve({
    logger,
    host: config.HOST,
    graceMs: config.SHUTDOWN_GRACE_MS,
    drain: [{ name: 'worker', run: () => worker.stop(Math.max(0, config.SHUTDOWN_GRACE_MS - RELEASE_RESERVE_MS)) }],
    listeners: [{ name: 'metrics', app: http, port: config.METRICS_PORT }],
    cleanup: [
      { name: 'subscriber', run: () => subscriber.quit() },
      { name: 'redis', run: () => redis.quit() },
      { name: 'ai-pipeline pool', run: () => pipeline.close() },
      // After the worker's drain, so the rows of the last runs are in the buffer.
      ...(auditTrail ? [{ name: 'audit trail', run: () => auditTrail.close() }] : []),
    ],
    details: { concurrency: config.WORKER_CONCURRENCY, actions_enabled: config.ACTIONS_ENABLED, partitions: config.JOB_PARTITIONS, ai_pipeline: new URL(config.AI_PIPELINE_URL).origin, audit: auditTrail !== undefined },
  });
});
