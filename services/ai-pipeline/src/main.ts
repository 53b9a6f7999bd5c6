import { openDatabase } from '@opsconductor/db';
import { createLogger, createMetrics, createMetricsApp, loadConfigOrExit, runMain, serve } from '@opsconductor/kit';
import { SERVICE_NAME, createApp } from './app';
import { configSchema } from './config';
import { createChatClient } from './llm/chat-client';
import { createDefaultTools } from './tools';

/** Time kept back from SHUTDOWN_GRACE_MS for cancelled tools to answer and the metrics app to close. */
const SHUTDOWN_RESERVE_MS = 2000;

runMain(SERVICE_NAME, async () => {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: SERVICE_NAME, version: config.SERVICE_VERSION });
  const chatClient = config.AI_BASE_URL
    ? createChatClient({
        baseUrl: config.AI_BASE_URL,
        apiKey: config.AI_API_KEY,
        model: config.AI_MODEL,
        maxOutputTokens: config.AI_MAX_OUTPUT_TOKENS,
        timeoutMs: config.AI_TIMEOUT_MS,
      })
    : undefined;
  // A pool, not a connection: nothing is opened until task.create runs, so a database that is
  // down keeps neither the start nor /ready from succeeding; the tool answers 503 (retryable).
  const db = config.DATABASE_URL ? await openDatabase({ url: config.DATABASE_URL }) : undefined;
  const tools = createDefaultTools({
    chatClient,
    db,
    webhook: {
      signingSecret: config.WEBHOOK_SIGNING_SECRET,
      allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    },
  });

  const app = createApp({
    logger,
    metrics,
    tools,
    bypassLlm: config.FEATURE_BYPASS_LLM,
    bodyLimit: config.BODY_LIMIT_BYTES,
    faultInjectionErrorRatio: config.FAULT_INJECTION_ERROR_RATIO,
    drainTimeoutMs: Math.max(0, config.SHUTDOWN_GRACE_MS - SHUTDOWN_RESERVE_MS),
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
      { name: 'llm-client', run: async () => chatClient?.close() },
      { name: 'database', run: async () => db?.close() },
    ],
    details: {
      version: config.SERVICE_VERSION,
      bypass_llm: config.FEATURE_BYPASS_LLM,
      fault_injection_error_ratio: config.FAULT_INJECTION_ERROR_RATIO,
      llm_configured: chatClient !== undefined,
      database_configured: db !== undefined,
      webhook_signing_configured: config.WEBHOOK_SIGNING_SECRET !== undefined,
      ai_model: config.AI_MODEL,
      tools: tools.names(),
    },
  });
});
