import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '@opsconductor/kit';
import type { HttpMetrics, Logger } from '@opsconductor/kit';
import { createAiMetrics } from './ai-metrics';
import type { AiMetrics } from './ai-metrics';
import { pipelineReadiness } from '@opsconductor/pipeline-client';
import type { AiPipeline } from '@opsconductor/pipeline-client';
import { registerExecuteRoute } from './routes/execute';

export const SERVICE_NAME = 'automation-service';

export interface AppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  /** ai-pipeline client (one keep-alive pool per process); the app never closes it. */
  pipeline: AiPipeline;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Defaults to the ai_* series registered on `metrics.registry`. */
  aiMetrics?: AiMetrics;
}

/**
 * The automation-service API: POST /ai/execute, plus the kit's /health and /ready (ready when
 * ai-pipeline's /health answers). Listening and closing are the caller's; `close()` drains.
 */
export function createApp(deps: AppDeps): FastifyInstance {
  const app = createHttpApp({
    service: SERVICE_NAME,
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimit: deps.bodyLimitBytes,
    readiness: [pipelineReadiness(deps.pipeline)],
  });
  registerExecuteRoute(app, { pipeline: deps.pipeline, aiMetrics: deps.aiMetrics ?? createAiMetrics(deps.metrics.registry) });
  return app;
}

export { createAiPipelineClient, pipelineReadiness } from '@opsconductor/pipeline-client';
export type { AiPipeline, AiPipelineClientOptions, CallContext, ExecuteRequest } from '@opsconductor/pipeline-client';
export { createAiMetrics } from './ai-metrics';
export type { AiMetrics } from './ai-metrics';
export { configSchema } from './config';
export type { Config } from './config';
