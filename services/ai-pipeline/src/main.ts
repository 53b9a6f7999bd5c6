import { createCredentialCipher, openDatabase } from '@opsconductor/db';
import type { KeyedCircuitBreakers } from '@opsconductor/kit';
import { circuitBreakerSettings, createCircuitBreakers, createLogger, createMetrics, createMetricsApp, loadConfigOrExit, runMain, serve } from '@opsconductor/kit';
import { SERVICE_NAME, createApp } from './app';
import { configSchema } from './config';
import { createChatClient } from './llm/chat-client';
import { createLlmBreaker, withCircuitBreaker } from './llm/circuit-breaker';
import { createPipelineMetrics } from './metrics';
import { createDefaultTools } from './tools';
import { isSmtpFailure } from './tools/email-send';
import type { SentMail } from './tools/email-send';
import { createWebhookBreakers } from './tools/webhook-post';

/** One circuit per SMTP host: a dead server answers 503 at once instead of holding a connection per email. */
const guardBy = (smtp: KeyedCircuitBreakers) => (host: string, send: () => Promise<SentMail>) => smtp.run(host, send);

/** Time kept back from SHUTDOWN_GRACE_MS for cancelled tools to answer and the metrics app to close. */
const SHUTDOWN_RESERVE_MS = 2000;

runMain(SERVICE_NAME, async () => {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: SERVICE_NAME, version: config.SERVICE_VERSION });
  // Shared by the app and the chat client, which counts the tokens of every answer.
  const pipelineMetrics = createPipelineMetrics(metrics.registry);
  // One breaker per outside provider (docs/decisions/circuit-breakers.md), on the service's registry.
  const breakers = { registry: metrics.registry, settings: circuitBreakerSettings(config), logger };
  const chatClient = config.AI_BASE_URL
    ? withCircuitBreaker(
        createChatClient({
          baseUrl: config.AI_BASE_URL,
          apiKey: config.AI_API_KEY,
          model: config.AI_MODEL,
          maxOutputTokens: config.AI_MAX_OUTPUT_TOKENS,
          timeoutMs: config.AI_TIMEOUT_MS,
          tokensTotal: pipelineMetrics.llmTokensTotal,
        }),
        createLlmBreaker(breakers),
      )
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
      breakers: createWebhookBreakers(breakers),
    },
    email: {
      cipher: config.CREDENTIALS_ENCRYPTION_KEY ? createCredentialCipher(config.CREDENTIALS_ENCRYPTION_KEY) : undefined,
      sinkUrl: config.SMTP_SINK_URL,
      timeoutMs: config.EMAIL_TIMEOUT_MS,
      guard: guardBy(createCircuitBreakers({ name: 'smtp', ...breakers, isFailure: isSmtpFailure, label: 'the SMTP server at' })),
    },
  });
  if (config.SMTP_SINK_URL) {
    logger.warn({ smtp_sink: new URL(config.SMTP_SINK_URL).host }, 'SMTP_SINK_URL is set: every email goes to the development mail sink, not to its provider');
  }

  const app = createApp({
    logger,
    metrics,
    pipelineMetrics,
    tools,
    chatClient,
    bypassLlm: config.FEATURE_BYPASS_LLM,
    bodyLimit: config.BODY_LIMIT_BYTES,
    faultInjectionErrorRatio: config.FAULT_INJECTION_ERROR_RATIO,
    drainTimeoutMs: Math.max(0, config.SHUTDOWN_GRACE_MS - SHUTDOWN_RESERVE_MS),
    toolTimeoutMs: config.TOOL_TIMEOUT_MS,
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
      email_configured: config.CREDENTIALS_ENCRYPTION_KEY !== undefined,
      ai_model: config.AI_MODEL,
      tools: tools.names(),
    },
  });
});
