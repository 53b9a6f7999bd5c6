import { z } from 'zod';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorEnvelope, isAppError, parseInput, toAppError } from '@opsconductor/kit';
import type { Logger } from '@opsconductor/kit';
import type { InFlightTools } from '../in-flight';
import { UNKNOWN_TOOL, recordExecution } from '../metrics';
import type { ErrorType, PipelineMetrics } from '../metrics';
import { canonicalToolName } from '../planner/aliases';
import type { PlannedBy, Planner } from '../planner/planner';
import type { JsonValue, Tool, ToolRegistry } from '../tools/registry';
import { abortable, toolDeadline } from '../tools/cancellation';
import { ClientClosedError, isRetryable } from '../tools/tool-error';
import { inToolSpan } from '../tools/tool-span';
import { callContextOf } from './call-context';

/** Longest accepted `input`, in characters. */
export const MAX_INPUT_CHARS = 100_000;

const executeBody = z.strictObject({
  input: z.string().min(1).max(MAX_INPUT_CHARS),
  tool: z.string().min(1).max(64).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

type ExecuteBody = z.infer<typeof executeBody>;

export interface ExecuteRouteOptions {
  tools: ToolRegistry;
  /** Chooses the tool and params of a request that names no tool. */
  planner: Planner;
  metrics: PipelineMetrics;
  inFlight: InFlightTools;
  /** Canary mode: the echo tool answers every request. */
  bypassLlm: boolean;
  bodyLimit: number;
  /** FAULT_INJECTION_ERROR_RATIO: this share of valid requests fails with 500 before its tool runs (0: none). */
  faultInjectionErrorRatio?: number;
  /** TOOL_TIMEOUT_MS: the deadline of a tool that names none of its own. */
  toolTimeoutMs: number;
}

export const INJECTED_FAULT_MESSAGE = 'injected fault (FAULT_INJECTION_ERROR_RATIO)';

/** How the tool of a request was chosen; logged and a span attribute, never a label. */
type SelectedBy = PlannedBy | 'explicit';

/** The plan an answer shows: what ran, as a caller could send it again with `tool` and `params`. */
export interface PlanView {
  tool: string;
  params: Record<string, JsonValue>;
  planned_by: PlannedBy;
}

interface Resolved {
  tool: Tool;
  params: unknown;
  selectedBy: SelectedBy;
  plan?: PlanView;
}

/**
 * POST /execute: resolves one tool (the named one, echo under the bypass, else the planner's
 * plan), validates its params and runs it. Every answer, success or error, is counted in ai_*.
 */
export function registerExecuteRoute(app: FastifyInstance, opts: ExecuteRouteOptions): void {
  const resolve = async (body: ExecuteBody, signal: AbortSignal, request: FastifyRequest): Promise<Resolved> => {
    if (body.tool === undefined) {
      const plan = await opts.planner.plan({ input: body.input, params: body.params }, { signal, traceId: request.traceId, logger: request.log as Logger });
      return { tool: plan.tool, params: plan.parsed, selectedBy: plan.plannedBy, plan: planView(plan) };
    }
    const named = requireTool(opts.tools, body.tool);
    if (opts.bypassLlm) {
      // Params of another named tool belong to that tool, not to echo: drop them.
      const params = named.name === 'echo' ? body.params : undefined;
      const echo = requireTool(opts.tools, 'echo');
      return { tool: echo, params: parseInput(echo.params, params ?? {}, 'body.params'), selectedBy: 'bypass' };
    }
    return { tool: named, params: parseInput(named.params, body.params ?? {}, 'body.params'), selectedBy: 'explicit' };
  };

  const faultInjectionErrorRatio = opts.faultInjectionErrorRatio ?? 0;
  const onError = (request: FastifyRequest, seconds: number, errorType: ErrorType) => recordExecution(opts.metrics, request.tool ?? UNKNOWN_TOOL, seconds, errorType);
  app.post('/execute', { errorHandler: envelopeErrorHandler(opts.bodyLimit, onError) }, async (request, reply) => {
    request.tool = knownToolOf(request.body, opts);
    const body = parseInput(executeBody, request.body, 'body');
    const context = callContextOf(request);
    // Before planning: a model call is cancelled with the request too.
    const signal = opts.inFlight.track(reply);
    const { tool, params, selectedBy, plan } = await resolve(body, signal, request);
    request.tool = tool.name;
    // After validation: bad input still gets its 400, never an injected 500.
    if (faultInjectionErrorRatio > 0 && Math.random() < faultInjectionErrorRatio) throw new AppError('INTERNAL_ERROR', INJECTED_FAULT_MESSAGE);

    // The kit makes request.log a pino child logger; Fastify only types it as its base logger.
    const logger = request.log.child({ tool: tool.name }) as Logger;
    logger.debug({ selected_by: selectedBy }, 'running tool');
    // The tool's deadline starts here, after planning: a slow plan does not eat into the tool's time.
    const deadline = toolDeadline(signal, tool.timeoutMs ?? opts.toolTimeoutMs, tool.name);
    let output: JsonValue;
    try {
      const toolContext = { input: body.input, signal: deadline.signal, traceId: request.traceId, logger, ...context };
      // abortable: the answer does not wait for a tool that ignores its signal.
      output = await inToolSpan(tool.name, selectedBy, () => abortable(tool.execute(params, toolContext), deadline.signal));
    } catch (err) {
      // A tool that stopped on the signal without saying why ends with the signal's reason.
      throw deadline.signal.aborted && !isAppError(err) ? deadline.signal.reason : err;
    } finally {
      deadline.clear();
    }

    recordExecution(opts.metrics, tool.name, reply.elapsedTime / 1000);
    const answer = { success: true, output, tool: tool.name, duration_ms: round(reply.elapsedTime), trace_id: request.traceId };
    return plan ? { ...answer, plan } : answer;
  });
}

export function planView(plan: { tool: Tool; params: Record<string, JsonValue>; plannedBy: PlannedBy }): PlanView {
  return { tool: plan.tool.name, params: plan.params, planned_by: plan.plannedBy };
}

/** The registered tool a request names (legacy names resolved), or 400 naming the registered ones. */
export function requireTool(tools: ToolRegistry, requested: string): Tool {
  const name = canonicalToolName(requested);
  const tool = tools.get(name);
  if (tool) return tool;
  const names = tools.names().join(', ');
  throw new AppError('VALIDATION_ERROR', `unknown tool "${requested}"; registered tools: ${names}`, {
    details: [{ field: 'body.tool', message: `unknown tool; one of: ${names}` }],
  });
}

/** The tool label of a body that may still fail validation: set only for registered names. */
function knownToolOf(body: unknown, opts: ExecuteRouteOptions): string | undefined {
  const requested = typeof body === 'object' && body !== null ? (body as { tool?: unknown }).tool : undefined;
  const named = typeof requested === 'string' ? canonicalToolName(requested) : undefined;
  if (named !== undefined && !opts.tools.has(named)) return undefined;
  if (opts.bypassLlm) return 'echo';
  return named;
}

/**
 * The kit's envelope plus `error.retryable`, which tells a caller (the jobs worker) whether
 * the same request may succeed later. `onError` sees every failure (for /execute: counted in
 * ai_*), body and content-type errors too, which never reach the handler.
 */
export function envelopeErrorHandler(bodyLimit: number, onError?: (request: FastifyRequest, seconds: number, errorType: ErrorType) => void) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, bodyLimit);
    const clientClosed = appError instanceof ClientClosedError;
    if (clientClosed) {
      request.log.info({ tool: request.tool }, 'client closed the connection; tool cancelled');
    } else if (appError.status >= 500 && !isAppError(error)) {
      request.log.error({ err: error }, 'unexpected error');
    } else if (appError.status >= 500) {
      request.log.warn({ code: appError.code, msg_detail: appError.message }, 'request failed');
    }
    onError?.(request, reply.elapsedTime / 1000, clientClosed ? 'CLIENT_CLOSED' : appError.code);

    if (appError.retryAfterS !== undefined) reply.header('retry-after', String(appError.retryAfterS));
    const envelope = errorEnvelope(appError, { traceId: request.traceId, durationMs: round(reply.elapsedTime), tool: request.tool });
    return reply.code(appError.status).send({ ...envelope, error: { ...envelope.error, retryable: isRetryable(appError) } });
  };
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
