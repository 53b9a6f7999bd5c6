import type { PlannedBy } from '@opsconductor/api-types';
import { AppError, parseInput } from '@opsconductor/kit';
import type { Logger } from '@opsconductor/kit';
import type { ChatClient } from '../llm/chat-client';
import type { Selector } from '../selector/selector';
import { FALLBACK_TOOL } from '../selector/selector';
import type { JsonValue, Tool, ToolRegistry } from '../tools/registry';
import { ToolError } from '../tools/tool-error';
import { inSpan } from '../tools/tool-span';
import { canonicalToolName } from './aliases';
import { checkPlan, planResponseFormat, planSystemPrompt } from './llm-plan';
import type { OfferedTool } from './llm-plan';

/** Who chose a plan; the API's own type. */
export type { PlannedBy };

/** One action to run: a tool and params its schema accepted. */
export interface Plan {
  tool: Tool;
  /** The params as planned: the JSON a caller may send back as `params`. */
  params: Record<string, JsonValue>;
  /** The same params as the tool's schema parsed them: what its execute() gets. */
  parsed: unknown;
  plannedBy: PlannedBy;
}

export interface PlanRequest {
  input: string;
  /** The tools the caller may run (legacy names accepted, unregistered ones ignored); absent: every registered tool. */
  tools?: readonly string[] | undefined;
  /**
   * Params the caller fixed: only the tool is chosen, by the selector, as before the planner
   * existed (a model cannot choose a tool for params it did not write).
   */
  params?: Record<string, unknown> | undefined;
}

export interface PlanContext {
  signal: AbortSignal;
  traceId: string;
  logger: Logger;
}

export interface Planner {
  /** The plan, or throws: 400 when nothing can be planned from this request, 502 when the model's answer fails its checks. */
  plan(request: PlanRequest, ctx: PlanContext): Promise<Plan>;
}

export interface PlannerOptions {
  tools: ToolRegistry;
  selector: Selector;
  /** The model that plans; without it the selector does. */
  chatClient?: ChatClient | undefined;
  /** Canary mode: every plan is echo. */
  bypassLlm: boolean;
  /** Today's date in the model's prompt (tests fix it). */
  now?: () => Date;
}

/**
 * Free text to one action: with FEATURE_BYPASS_LLM echo; with a model (AI_BASE_URL), the
 * model's choice among the allowed, available tools, checked against their schemas; else the
 * selector's tool among the allowed ones, when its params schema accepts `{}`.
 */
export function createPlanner(opts: PlannerOptions): Planner {
  const now = opts.now ?? (() => new Date());
  /** What an error names as the tools the caller could have: the allowed ones, else every registered one. */
  const allowedNames = (allowed: ReadonlySet<string> | undefined) => (allowed ? [...allowed].sort() : opts.tools.names());

  const bypass = (request: PlanRequest): Plan => {
    const echo = opts.tools.get('echo');
    if (!echo) throw new Error('FEATURE_BYPASS_LLM needs the echo tool registered');
    const params = request.params ?? {};
    return { tool: echo, params: params as Record<string, JsonValue>, parsed: parseInput(echo.params, params, 'body.params'), plannedBy: 'bypass' };
  };

  const bySelector = (request: PlanRequest, allowed: ReadonlySet<string> | undefined): Plan => {
    const selection = opts.selector.select(request.input, allowed);
    if (!selection) {
      throw new AppError('VALIDATION_ERROR', 'no tool matches the input; name one in "tool"', {
        details: [{ field: 'body.tool', message: `required here; one of: ${allowedNames(allowed).join(', ')}` }],
      });
    }
    const { tool } = selection;
    if (request.params !== undefined) {
      return { tool, params: request.params as Record<string, JsonValue>, parsed: parseInput(tool.params, request.params, 'body.params'), plannedBy: 'selector' };
    }
    const empty = tool.params.safeParse({});
    if (!empty.success) {
      // Only missing fields can fail on {}: each names one the caller has to send.
      const fields = [...new Set(empty.error.issues.map((issue) => ['body.params', ...issue.path.map(String)].join('.')))];
      throw new AppError('VALIDATION_ERROR', `${tool.name} needs params: send tool and params`, {
        details: fields.map((field) => ({ field, message: `required by ${tool.name}` })),
      });
    }
    return { tool, params: {}, parsed: empty.data, plannedBy: 'selector' };
  };

  const byModel = async (client: ChatClient, request: PlanRequest, allowed: ReadonlySet<string> | undefined, ctx: PlanContext): Promise<Plan> => {
    const offered: OfferedTool[] = opts.tools
      .describe()
      .filter((d) => d.available && (!allowed || allowed.has(d.name)))
      .map((d) => ({ tool: opts.tools.get(d.name)!, paramsSchema: d.params_schema }));
    if (offered.length === 0) {
      throw new ToolError('UNAVAILABLE', `none of the allowed tools can run here (${allowedNames(allowed).join(', ')}); GET /tools says why`, { retryable: false });
    }
    const fallback = offered.some((o) => o.tool.name === FALLBACK_TOOL) ? FALLBACK_TOOL : undefined;
    const answer = await client.complete(
      {
        messages: [
          { role: 'system', content: planSystemPrompt(offered, fallback, now()) },
          { role: 'user', content: request.input },
        ],
        // The same request should get the same plan.
        temperature: 0,
        responseFormat: planResponseFormat(offered),
      },
      ctx,
    );
    const checked = checkPlan(answer.text, answer.finishReason === 'length', new Map(offered.map((o) => [o.tool.name, o.tool])));
    return { ...checked, plannedBy: 'llm' };
  };

  return {
    async plan(request, ctx) {
      return inSpan('plan_action', {}, async (span) => {
        let plan: Plan;
        if (opts.bypassLlm) {
          plan = bypass(request);
        } else {
          const allowed = allowedTools(opts.tools, request.tools);
          plan = opts.chatClient && request.params === undefined ? await byModel(opts.chatClient, request, allowed, ctx) : bySelector(request, allowed);
        }
        span.setAttributes({ 'opsconductor.plan.planned_by': plan.plannedBy, 'gen_ai.tool.name': plan.tool.name });
        ctx.logger.debug({ planned_by: plan.plannedBy, tool: plan.tool.name }, 'planned');
        return plan;
      });
    },
  };
}

/** The registered tools among `names` (legacy names resolved); undefined means every tool. */
function allowedTools(tools: ToolRegistry, names: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (names === undefined) return undefined;
  const allowed = new Set(names.map(canonicalToolName).filter((name) => tools.has(name)));
  if (allowed.size === 0) {
    throw new AppError('VALIDATION_ERROR', `none of the tools in body.tools is registered; registered tools: ${tools.names().join(', ')}`, {
      details: [{ field: 'body.tools', message: `name at least one of: ${tools.names().join(', ')}` }],
    });
  }
  return allowed;
}
