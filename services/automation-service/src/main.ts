import { createLogger, createMetrics, createMetricsApp, loadConfigOrExit, runMain, serve } from '@opsconductor/kit';
import { SERVICE_NAME, createApp } from './app';
import { configSchema } from './config';
import { createAiPipelineClient } from '@opsconductor/pipeline-client';

runMain(SERVICE_NAME, async () => {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: SERVICE_NAME });
  const pipeline = createAiPipelineClient({
    baseUrl: config.AI_PIPELINE_URL,
    timeoutMs: config.AI_PIPELINE_TIMEOUT_MS,
    connections: config.AI_PIPELINE_CONNECTIONS,
  });
  const app = createApp({ logger, metrics, pipeline, bodyLimitBytes: config.BODY_LIMIT_BYTES });
  const metricsApp = createMetricsApp({ registry: metrics.registry, logger, service: SERVICE_NAME });

  await serve({
    logger,
    host: config.HOST,
    graceMs: config.SHUTDOWN_GRACE_MS,
    listeners: [
      { name: 'api', app, port: config.PORT },
      { name: 'metrics', app: metricsApp, port: config.METRICS_PORT },
    ],
    cleanup: [{ name: 'ai-pipeline pool', run: () => pipeline.close() }],
    details: { ai_pipeline: new URL(config.AI_PIPELINE_URL).origin, ai_pipeline_timeout_ms: config.AI_PIPELINE_TIMEOUT_MS },
  });
});
