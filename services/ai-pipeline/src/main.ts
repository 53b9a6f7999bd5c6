import { createLogger, createMetrics, createMetricsApp, handleShutdown, loadConfigOrExit } from '@opsconductor/kit';
import { SERVICE_NAME, createApp } from './app';
import { configSchema } from './config';
import { createChatClient } from './llm/chat-client';
import { createDefaultTools } from './tools';

/** Time kept back from SHUTDOWN_GRACE_MS for cancelled tools to answer and the metrics app to close. */
const SHUTDOWN_RESERVE_MS = 2000;

async function main(): Promise<void> {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: SERVICE_NAME });
  const chatClient = config.AI_BASE_URL
    ? createChatClient({
        baseUrl: config.AI_BASE_URL,
        apiKey: config.AI_API_KEY,
        model: config.AI_MODEL,
        maxOutputTokens: config.AI_MAX_OUTPUT_TOKENS,
        timeoutMs: config.AI_TIMEOUT_MS,
      })
    : undefined;
  const tools = createDefaultTools({ chatClient });

  const app = createApp({
    logger,
    metrics,
    tools,
    bypassLlm: config.FEATURE_BYPASS_LLM,
    bodyLimit: config.BODY_LIMIT_BYTES,
    drainTimeoutMs: Math.max(0, config.SHUTDOWN_GRACE_MS - SHUTDOWN_RESERVE_MS),
  });
  const metricsApp = createMetricsApp({ registry: metrics.registry, logger, service: SERVICE_NAME });

  handleShutdown({
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'api', run: () => app.close() },
      { name: 'metrics', run: () => metricsApp.close() },
      { name: 'llm-client', run: async () => chatClient?.close() },
    ],
  });

  await app.listen({ host: config.HOST, port: config.PORT });
  await metricsApp.listen({ host: config.HOST, port: config.METRICS_PORT });
  logger.info(
    {
      host: config.HOST,
      port: portOf(app),
      metrics_port: portOf(metricsApp),
      bypass_llm: config.FEATURE_BYPASS_LLM,
      llm_configured: chatClient !== undefined,
      ai_model: config.AI_MODEL,
      tools: tools.names(),
    },
    'listening',
  );
}

/** The bound port (differs from the configured one when that is 0). */
function portOf(app: { server: { address(): unknown } }): number | undefined {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? (address as { port: number }).port : undefined;
}

main().catch((err: unknown) => {
  console.error('ai-pipeline failed to start:', err);
  process.exit(1);
});
