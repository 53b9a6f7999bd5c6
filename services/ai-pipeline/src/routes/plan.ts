import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { parseInput } from '@opsconductor/kit';
import type { Logger } from '@opsconductor/kit';
import type { InFlightTools } from '../in-flight';
import type { Planner } from '../planner/planner';
import { MAX_INPUT_CHARS, envelopeErrorHandler, planView, round } from './execute';

/** More names than any allowlist holds; bounds the work of one request. */
const MAX_TOOL_NAMES = 200;

const planBody = z.strictObject({
  input: z.string().min(1).max(MAX_INPUT_CHARS),
  tools: z.array(z.string().min(1).max(64)).max(MAX_TOOL_NAMES).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

export interface PlanRouteOptions {
  planner: Planner;
  inFlight: InFlightTools;
  bodyLimit: number;
}

/**
 * POST /plan: the action a request would run, `{tool, params, planned_by}`, without running
 * it. The automation-service plans among a workspace's allowlist, checks the plan, then
 * runs it through /execute. Not counted in ai_requests_total (nothing is executed); a model
 * call's tokens are counted in ai_llm_tokens_total.
 */
export function registerPlanRoute(app: FastifyInstance, opts: PlanRouteOptions): void {
  app.post('/plan', { errorHandler: envelopeErrorHandler(opts.bodyLimit) }, async (request, reply) => {
    const body = parseInput(planBody, request.body, 'body');
    const signal = opts.inFlight.track(reply);
    const plan = await opts.planner.plan(body, { signal, traceId: request.traceId, logger: request.log as Logger });
    return { success: true, plan: planView(plan), trace_id: request.traceId, duration_ms: round(reply.elapsedTime) };
  });
}
