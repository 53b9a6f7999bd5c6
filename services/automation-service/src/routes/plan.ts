import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PlanAnswer } from '@opsconductor/api-types';
import { AppError, isAppError, isValidTraceId, parseInput } from '@opsconductor/kit';
import type { ActionPlanner } from '@opsconductor/pipeline-client';
import { CallCancelledError, PipelineError } from '@opsconductor/pipeline-client';
import { callerOf } from '../auth/caller';
import { CLIENT_CLOSED_REQUEST, roundMs, withCallerSignal } from './caller-signal';
import { MAX_INPUT_CHARS } from '../execute-schema';
import type { ActionPolicy, Allowlist } from '../guardrails/action-policy';

export interface PlanRouteDeps {
  pipeline: ActionPlanner;
  policy: ActionPolicy;
}

const planBodySchema = z.strictObject({
  input: z.string().min(1, 'must not be empty').max(MAX_INPUT_CHARS, `must be at most ${MAX_INPUT_CHARS} characters`),
  trace_id: z.string().refine(isValidTraceId, 'must be 1–128 characters of A-Z a-z 0-9 . _ : -').optional(),
});

/**
 * POST /ai/plan: the action `POST /ai/execute {input}` would run, chosen by ai-pipeline's
 * planner among the workspace's allowlist, without running it. A preview: it needs only
 * `actions:preview`, writes nothing, and answers while ACTIONS_ENABLED=false (the kill switch
 * stops actions, and a plan is none); it does spend model tokens.
 */
export function registerPlanRoute(app: FastifyInstance, deps: PlanRouteDeps): void {
  // Idempotent like every POST: a client retrying with its Idempotency-Key gets the same plan without paying for tokens again.
  app.post('/ai/plan', { config: { scope: 'actions:preview', idempotent: true } }, async (request, reply): Promise<PlanAnswer | FastifyReply> => {
    const caller = callerOf(request);
    const body = parseInput(planBodySchema, request.body, 'body');
    if (body.trace_id !== undefined) request.adoptTraceId(body.trace_id);
    const allowlist = await deps.policy.allowlistOf(caller.workspaceId);
    if (allowlist !== '*' && allowlist.length === 0) {
      throw new AppError('FORBIDDEN', 'this workspace allows no actions: there is nothing to plan', { details: [{ field: 'body.input', message: 'allowed: none' }] });
    }

    return withCallerSignal(reply, async (signal) => {
      try {
        const plan = await deps.pipeline.plan({ input: body.input, ...toolsFilter(allowlist) }, { traceId: request.traceId, signal, workspaceId: caller.workspaceId });
        request.log.debug({ tool: plan.tool, planned_by: plan.planned_by }, 'planned');
        const answer: PlanAnswer = { success: true, plan, trace_id: request.traceId, duration_ms: roundMs(reply.elapsedTime) };
        return answer;
      } catch (err) {
        if (err instanceof CallCancelledError) {
          request.log.info({ duration_ms: roundMs(reply.elapsedTime) }, 'caller closed the connection; ai-pipeline plan aborted');
          return reply.code(CLIENT_CLOSED_REQUEST).send();
        }
        if (isAppError(err) && err.status >= 500) {
          request.log.warn({ code: err.code, upstream_status: err instanceof PipelineError ? err.upstreamStatus : undefined }, 'ai-pipeline plan failed');
        }
        throw err;
      }
    });
  });
}

/** ai-pipeline's `tools` filter for an allowlist: none when every action is allowed. */
export function toolsFilter(allowlist: Allowlist): { tools?: string[] } {
  return allowlist === '*' ? {} : { tools: [...allowlist] };
}
