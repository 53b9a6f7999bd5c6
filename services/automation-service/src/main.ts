import { AuditWriter, createAuditMetrics, KeyResolver, migrate, openDatabase, WorkspaceSettingsResolver } from '@opsconductor/db';
import { connectRedis } from '@opsconductor/jobs';
import { circuitBreakerSettings, createLogger, createMetrics, createMetricsApp, loadConfigOrExit, runMain, serve } from '@opsconductor/kit';
import { SERVICE_NAME, createApp } from './app';
import { configSchema } from './config';
import { parseAllowlist } from './guardrails/action-policy';
import { WorkspaceRateLimit } from './guardrails/workspace-rate-limit';
import { createAiPipelineClient } from '@opsconductor/pipeline-client';

runMain(SERVICE_NAME, async () => {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: SERVICE_NAME, version: config.SERVICE_VERSION });
  const pipeline = createAiPipelineClient({
    baseUrl: config.AI_PIPELINE_URL,
    timeoutMs: config.AI_PIPELINE_TIMEOUT_MS,
    connections: config.AI_PIPELINE_CONNECTIONS,
    circuitBreaker: { registry: metrics.registry, settings: circuitBreakerSettings(config), logger },
  });
  // One client for the process; it reconnects by itself, and /ready says when it is down.
  // While it is down a command fails after 3 reconnect attempts (~0.3 s), answered 503,
  // instead of waiting ~10 s with the default of 20.
  const redis = connectRedis({ url: config.REDIS_URL, cluster: config.REDIS_CLUSTER, connectionName: SERVICE_NAME, maxRetriesPerRequest: 3 });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  // Keys, settings and the audit trail. Migrations are idempotent and take turns under a lock,
  // so every replica runs them at start.
  const db = await openDatabase({ url: config.DATABASE_URL || undefined, pgliteDir: config.PGLITE_DIR });
  await migrate(db);
  const audit = new AuditWriter({ db, metrics: createAuditMetrics(metrics.registry), logger });
  const app = createApp({
    logger,
    metrics,
    pipeline,
    tools: pipeline,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    access: {
      keys: new KeyResolver({ db, ttlMs: config.KEY_CACHE_MS }),
      settings: new WorkspaceSettingsResolver({ db, ttlMs: config.KEY_CACHE_MS }),
      db,
      audit,
      actionsEnabled: config.ACTIONS_ENABLED,
      allowActionsDefault: parseAllowlist(config.ALLOW_ACTIONS_DEFAULT),
      rateLimit: { limiter: new WorkspaceRateLimit({ redis, keyPrefix: `${config.JOB_KEY_PREFIX}:ratelimit` }), defaultPerMinute: config.RATE_LIMIT_PER_MINUTE },
    },
    jobs: {
      redis,
      store: {
        prefix: config.JOB_KEY_PREFIX,
        partitions: config.JOB_PARTITIONS,
        maxPendingPerWorkspace: config.MAX_PENDING_PER_WORKSPACE,
        retentionDays: config.JOB_RETENTION_DAYS,
      },
      sseHeartbeatMs: config.SSE_HEARTBEAT_MS,
    },
  });
  const metricsApp = createMetricsApp({ registry: metrics.registry, logger, service: SERVICE_NAME, version: config.SERVICE_VERSION });

  await serve({
    logger,
    host: config.HOST,
    graceMs: config.SHUTDOWN_GRACE_MS,
    listeners: [
      { name: 'api', app, port: config.PORT },
      { name: 'metrics', app: metricsApp, port: config.METRICS_PORT },
    ],
    cleanup: [
      { name: 'ai-pipeline pool', run: () => pipeline.close() },
      { name: 'redis', run: () => redis.quit() },
      { name: 'audit writer', run: () => audit.close() },
      { name: 'database', run: () => db.close() },
    ],
    details: {
      version: config.SERVICE_VERSION,
      ai_pipeline: new URL(config.AI_PIPELINE_URL).origin,
      ai_pipeline_timeout_ms: config.AI_PIPELINE_TIMEOUT_MS,
      job_key_prefix: config.JOB_KEY_PREFIX,
      job_partitions: config.JOB_PARTITIONS,
      database: db.kind,
      actions_enabled: config.ACTIONS_ENABLED,
      allow_actions_default: config.ALLOW_ACTIONS_DEFAULT,
      rate_limit_per_minute: config.RATE_LIMIT_PER_MINUTE,
    },
  });
});
