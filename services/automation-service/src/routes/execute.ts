import type { FastifyInstance } from 'fastify';
import type { ActionPlan, ExecuteAnswer } from '@opsconductor/api-types';
import { isAppError, parseInput } from '@opsconductor/kit';
import type { AiMetrics } from '../ai-metrics';
import { executeBodySchema } from '../execute-schema';
import type { ActionPlanner, AiPipeline, ExecuteRequest, PipelineSuccess } from '@opsconductor/pipeline-client';
import { CallCancelledError, PipelineError } from '@opsconductor/pipeline-client';
import { callerOf } from '../auth/caller';
import { CLIENT_CLOSED_REQUEST, roundMs, withCallerSignal } from './caller-signal';
import { auditRow } from '../audit/audit-sink';
import type { ActionRecord, AuditSink } from '../audit/audit-sink';
import type { ActionPolicy, Allowlist } from '../guardrails/action-policy';
import { toolsFilter } from './plan';

export interface ExecuteRouteDeps {
  pipeline: AiPipeline & ActionPlanner;
  aiMetrics: AiMetrics;
  policy: ActionPolicy;
  audit: AuditSink;
}

/**
 * POST /ai/execute: validates the body, forwards it to ai-pipeline under the request's trace
 * id and answers the seed's shape, or the envelope. Without `tool`, ai-pipeline's planner
 * first chooses one among the workspace's allowlist (POST /plan), the planned tool is checked
 * like a named one, and the plan runs; the answer adds `plan`. Only calls that reach
 * ai-pipeline are counted in the ai_* metrics; bodies and actions refused here show in
 * http_requests_total.
 */
export function registerExecuteRoute(app: FastifyInstance, deps: ExecuteRouteDeps): void {
  app.post('/ai/execute', { config: { scope: 'actions:execute', idempotent: true } }, async (request, reply) => {
    const caller = callerOf(request);
    const body = parseInput(executeBodySchema, request.body, 'body');
    if (body.trace_id !== undefined) request.adoptTraceId(body.trace_id);
    // The requested tool names the envelope's `tool` until ai-pipeline says which one it ran.
    request.tool = body.tool;
    const audit = (action: string | undefined, outcome: Partial<ActionRecord>) =>
      deps.audit.record(auditRow({ caller, event: 'executed', action: action ?? 'unknown', traceId: request.traceId, params: { input: body.input, params: body.params }, ...outcome }));
    const guard = async <T>(check: () => Promise<T>, action: string | undefined): Promise<T> => {
      try {
        return await check();
      } catch (err) {
        audit(action, { error: err });
        throw err;
      }
    };
    const check = (action: string | undefined, field: string) => guard(() => deps.policy.check(caller.workspaceId, action, field), action);

    let allowlist: Allowlist = '*';
    if (body.tool !== undefined) {
      await check(body.tool, 'body.tool');
    } else {
      // No model tokens for a request that cannot run: the kill switch and an empty allowlist
      // refuse before planning (check() refuses both when given no action).
      if (!deps.policy.actionsEnabled) await check(undefined, 'body.tool');
      allowlist = await guard(() => deps.policy.allowlistOf(caller.workspaceId), undefined);
      if (allowlist !== '*' && allowlist.length === 0) await check(undefined, 'body.tool');
    }

    /** A failed call to ai-pipeline (plan or execute): counted, audited, logged, then answered. */
    const failed = (err: unknown) => {
      const durationMs = roundMs(reply.elapsedTime);
      if (err instanceof CallCancelledError) {
        request.log.info({ tool: request.tool, duration_ms: durationMs }, 'caller closed the connection; ai-pipeline call aborted');
        audit(request.tool, { durationMs, errorCode: 'CLIENT_CLOSED_REQUEST' });
        return reply.code(CLIENT_CLOSED_REQUEST).send();
      }
      if (!isAppError(err)) {
        audit(request.tool, { durationMs, error: err });
        throw err; // the kit answers 500 and logs the stack
      }
      const upstreamTool = err instanceof PipelineError ? err.tool : undefined;
      if (upstreamTool !== undefined) request.tool = upstreamTool;
      deps.aiMetrics.recordError(upstreamTool, err.code, durationMs / 1000);
      audit(request.tool, { durationMs, error: err });
      const fields = {
        tool: request.tool,
        outcome: 'error',
        code: err.code,
        upstream_status: err instanceof PipelineError ? err.upstreamStatus : undefined,
        cause: causeCode(err.cause),
        duration_ms: durationMs,
      };
      // A caller's mistake passed through is not our failure; everything else is.
      if (err.status >= 500) request.log.warn(fields, 'ai-pipeline call failed');
      else request.log.debug(fields, 'ai-pipeline call');
      throw err;
    };

    return withCallerSignal(reply, async (signal) => {
      // The key's workspace, never one the body names: a tool that writes data writes it there.
      // One budget for the plan and the execution together: the gateway waits only so long.
      const context = { traceId: request.traceId, signal, workspaceId: caller.workspaceId, deadline: Date.now() + deps.pipeline.timeoutMs };
      let plan: ActionPlan | undefined;
      let upstreamRequest: ExecuteRequest = { input: body.input, tool: body.tool, params: body.params };
      if (body.tool === undefined) {
        try {
          plan = await deps.pipeline.plan({ input: body.input, ...toolsFilter(allowlist), ...(body.params ? { params: body.params } : {}) }, context);
        } catch (err) {
          return failed(err);
        }
        request.tool = plan.tool;
        // The allowlist may have changed since, and the planner is not the guardrail: this is.
        await check(plan.tool, 'plan.tool');
        upstreamRequest = { input: body.input, tool: plan.tool, params: plan.params };
      }

      let answer: PipelineSuccess;
      try {
        answer = await deps.pipeline.execute(upstreamRequest, context);
      } catch (err) {
        return failed(err);
      }
      const durationMs = roundMs(reply.elapsedTime);
      request.tool = answer.tool;
      deps.aiMetrics.recordSuccess(answer.tool, durationMs / 1000);
      audit(answer.tool, { durationMs });
      request.log.debug({ tool: answer.tool, outcome: 'success', duration_ms: durationMs, planned_by: plan?.planned_by }, 'ai-pipeline call');
      const result: ExecuteAnswer = { success: true, output: answer.output, trace_id: request.traceId, duration_ms: durationMs, tool: answer.tool };
      if (plan) result.plan = plan;
      return result;
    });
  });
}

/** The errno-style code of a transport failure (ECONNREFUSED…), never its message (it names hosts). */
function causeCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
