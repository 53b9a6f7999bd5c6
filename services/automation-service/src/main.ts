import type { AddressInfo } from 'node:net';
import { createLogger, createMetrics, createMetricsApp, handleShutdown, loadConfigOrExit } from '@opsconductor/kit';
import { SERVICE_NAME, createApp } from './app';
import { configSchema } from './config';
import { createAiPipelineClient } from './pipeline-client';

async function main(): Promise<void> {
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

  handleShutdown({
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'api', run: () => app.close() },
      { name: 'metrics', run: () => metricsApp.close() },
      { name: 'ai-pipeline pool', run: () => pipeline.close() },
    ],
  });

  await app.listen({ host: config.HOST, port: config.PORT });
  await metricsApp.listen({ host: config.HOST, port: config.METRICS_PORT });
  logger.info(
    {
      host: config.HOST,
      port: (app.server.address() as AddressInfo).port,
      metrics_port: (metricsApp.server.address() as AddressInfo).port,
      ai_pipeline: new URL(config.AI_PIPELINE_URL).origin,
      ai_pipeline_timeout_ms: config.AI_PIPELINE_TIMEOUT_MS,
    },
    'listening',
  );
}

main().catch((err: unknown) => {
  console.error('automation-service failed to start:', err);
  process.exit(1);
});
