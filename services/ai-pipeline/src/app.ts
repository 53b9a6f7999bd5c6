import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '@opsconductor/kit';
import type { HttpMetrics, Logger } from '@opsconductor/kit';
import { InFlightTools } from './in-flight';
import type { ChatClient } from './llm/chat-client';
import { createPipelineMetrics, initSeries } from './metrics';
import type { PipelineMetrics } from './metrics';
import { createPlanner } from './planner/planner';
import { registerExecuteRoute } from './routes/execute';
import { registerPlanRoute } from './routes/plan';
import { registerToolsRoute } from './routes/tools';
import { createSelector } from './selector/selector';
import type { Selector } from './selector/selector';
import type { ToolRegistry } from './tools/registry';
import { ToolError } from './tools/tool-error';

export const SERVICE_NAME = 'ai-pipeline';

/** Below the callers' 30 s (AI_PIPELINE_TIMEOUT_MS), so they get ai-pipeline's 504 naming the tool, not their own. */
export const DEFAULT_TOOL_TIMEOUT_MS = 25_000;

export interface AppDeps {
  logger: Logger;
  /** From the kit's createMetrics; the ai_* and selector_* series are added to its registry. */
  metrics: HttpMetrics;
  tools: ToolRegistry;
  /** The model that plans requests naming no tool (POST /plan, /execute); without it the selector plans. */
  chatClient?: ChatClient | undefined;
  /** FEATURE_BYPASS_LLM: the echo tool answers every request (default false). */
  bypassLlm?: boolean;
  /** Defaults to series on `metrics.registry`; pass one when sharing it with a selector. */
  pipelineMetrics?: PipelineMetrics;
  /** Defaults to the scoring selector over `tools`. */
  selector?: Selector;
  /** Largest accepted body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** FAULT_INJECTION_ERROR_RATIO, 0 to 1: that share of POST /execute fails with 500 on purpose (default 0). */
  faultInjectionErrorRatio?: number;
  /**
   * ms that running tools may go on once close() starts; then they are cancelled and answer
   * 503 UNAVAILABLE (retryable) so the drain ends in time (default 0: cancel at once).
   */
  drainTimeoutMs?: number;
  /** TOOL_TIMEOUT_MS: the deadline of a tool that names none of its own (default 25 s). */
  toolTimeoutMs?: number;
}

/** The ai-pipeline API: POST /execute, POST /plan, GET /tools, plus the kit's /health and /ready. */
export function createApp(deps: AppDeps): FastifyInstance {
  const bodyLimit = deps.bodyLimit ?? 1024 * 1024;
  const bypassLlm = deps.bypassLlm ?? false;
  if (bypassLlm && !deps.tools.has('echo')) throw new Error('FEATURE_BYPASS_LLM needs the echo tool registered');
  const faultInjectionErrorRatio = deps.faultInjectionErrorRatio ?? 0;
  if (!(faultInjectionErrorRatio >= 0 && faultInjectionErrorRatio <= 1)) {
    throw new Error(`FAULT_INJECTION_ERROR_RATIO must be from 0 to 1, got ${faultInjectionErrorRatio}`);
  }
  if (faultInjectionErrorRatio > 0) {
    deps.logger.warn(
      { fault_injection_error_ratio: faultInjectionErrorRatio },
      `FAULT_INJECTION_ERROR_RATIO=${faultInjectionErrorRatio}: that share of POST /execute requests fails on purpose with 500 INTERNAL_ERROR`,
    );
  }
  const pipelineMetrics = deps.pipelineMetrics ?? createPipelineMetrics(deps.metrics.registry);
  const selector = deps.selector ?? createSelector({ registry: deps.tools, metrics: pipelineMetrics });
  initSeries(pipelineMetrics, deps.tools.all());

  // No readiness checks: every tool is local or optional. An LLM that is not configured is
  // shown at GET /tools (available: false) and must not take the service out of rotation.
  const app = createHttpApp({ service: SERVICE_NAME, logger: deps.logger, metrics: deps.metrics, bodyLimit });
  const inFlight = new InFlightTools();
  const planner = createPlanner({ tools: deps.tools, selector, chatClient: deps.chatClient, bypassLlm });
  registerExecuteRoute(app, { tools: deps.tools, planner, metrics: pipelineMetrics, inFlight, bypassLlm, bodyLimit, faultInjectionErrorRatio, toolTimeoutMs: deps.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS });
  registerPlanRoute(app, { planner, inFlight, bodyLimit });
  registerToolsRoute(app, deps.tools);

  let drainTimer: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    const cancel = () => inFlight.abortAll(new ToolError('UNAVAILABLE', 'ai-pipeline is shutting down; try again', { retryAfterS: 1 }));
    if (!deps.drainTimeoutMs) return cancel();
    drainTimer = setTimeout(cancel, deps.drainTimeoutMs);
    drainTimer.unref();
  });
  app.addHook('onClose', async () => clearTimeout(drainTimer));
  return app;
}
