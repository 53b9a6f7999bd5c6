import { z } from 'zod';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorEnvelope, isAppError, parseInput, toAppError } from '@opsconductor/kit';
import type { Logger } from '@opsconductor/kit';
import type { InFlightTools } from '../in-flight';
import { UNKNOWN_TOOL, recordExecution } from '../metrics';
import type { PipelineMetrics } from '../metrics';
import type { Selector } from '../selector/selector';
import type { JsonValue, Tool, ToolRegistry } from '../tools/registry';
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
  selector: Selector;
  metrics: PipelineMetrics;
  inFlight: InFlightTools;
  /** Canary mode: the echo tool answers every request. */
  bypassLlm: boolean;
  bodyLimit: number;
  /** FAULT_INJECTION_ERROR_RATIO: this share of valid requests fails with 500 before its tool runs (0: none). */
  faultInjectionErrorRatio?: number;
}

export const INJECTED_FAULT_MESSAGE = 'injected fault (FAULT_INJECTION_ERROR_RATIO)';

/** How the tool of a request was chosen; logged, never a label. */
type SelectedBy = 'bypass' | 'explicit' | 'selector';

/**
 * POST /execute: resolves one tool (bypass → echo, else the named tool, else the selector),
 * validates its params and runs it. Every answer, success or error, is counted in ai_*.
 */
export function registerExecuteRoute(app: FastifyInstance, opts: ExecuteRouteOptions): void {
  const resolve = (body: ExecuteBody): { tool: Tool; params: unknown; selectedBy: SelectedBy } => {
    const named = body.tool === undefined ? undefined : requireTool(opts.tools, body.tool);
    if (opts.bypassLlm) {
      // Params of another named tool belong to that tool, not to echo: drop them.
      const params = named === undefined || named.name === 'echo' ? body.params : undefined;
      return { tool: requireTool(opts.tools, 'echo'), params, selectedBy: 'bypass' };
    }
    if (named) return { tool: named, params: body.params, selectedBy: 'explicit' };
    const selection = opts.selector.select(body.input);
    if (!selection) {
      throw new AppError('VALIDATION_ERROR', 'no tool matches the input; name one in "tool"', {
        details: [{ field: 'body.tool', message: `required here; one of: ${opts.tools.names().join(', ')}` }],
      });
    }
    return { tool: selection.tool, params: body.params, selectedBy: 'selector' };
  };

  const faultInjectionErrorRatio = opts.faultInjectionErrorRatio ?? 0;
  app.post('/execute', { errorHandler: executeErrorHandler(opts) }, async (request, reply) => {
    request.tool = knownToolOf(request.body, opts);
    const body = parseInput(executeBody, request.body, 'body');
    const context = callContextOf(request);
    const { tool, params: rawParams, selectedBy } = resolve(body);
    request.tool = tool.name;
    const params = parseInput(tool.params, rawParams ?? {}, 'body.params');
    // After validation: bad input still gets its 400, never an injected 500.
    if (faultInjectionErrorRatio > 0 && Math.random() < faultInjectionErrorRatio) throw new AppError('INTERNAL_ERROR', INJECTED_FAULT_MESSAGE);

    const signal = opts.inFlight.track(reply);
    // The kit makes request.log a pino child logger; Fastify only types it as its base logger.
    const logger = request.log.child({ tool: tool.name }) as Logger;
    logger.debug({ selected_by: selectedBy }, 'running tool');
    let output: JsonValue;
    try {
      output = await inToolSpan(tool.name, selectedBy, () => tool.execute(params, { input: body.input, signal, traceId: request.traceId, logger, ...context }));
    } catch (err) {
      // A tool that stopped on the signal without saying why ends with the signal's reason.
      throw signal.aborted && !isAppError(err) ? signal.reason : err;
    }

    recordExecution(opts.metrics, tool.name, reply.elapsedTime / 1000);
    return { success: true, output, tool: tool.name, duration_ms: round(reply.elapsedTime), trace_id: request.traceId };
  });
}

function requireTool(tools: ToolRegistry, name: string): Tool {
  const tool = tools.get(name);
  if (tool) return tool;
  const names = tools.names().join(', ');
  throw new AppError('VALIDATION_ERROR', `unknown tool "${name}"; registered tools: ${names}`, {
    details: [{ field: 'body.tool', message: `unknown tool; one of: ${names}` }],
  });
}

/** The tool label of a body that may still fail validation: set only for registered names. */
function knownToolOf(body: unknown, opts: ExecuteRouteOptions): string | undefined {
  const named = typeof body === 'object' && body !== null ? (body as { tool?: unknown }).tool : undefined;
  if (typeof named === 'string' && !opts.tools.has(named)) return undefined;
  if (opts.bypassLlm) return 'echo';
  return typeof named === 'string' ? named : undefined;
}

/**
 * The kit's envelope plus `error.retryable`, which tells a caller (the jobs worker) whether
 * the same request may succeed later. Also counts the failure in ai_*, for body and
 * content-type errors too, which never reach the handler.
 */
function executeErrorHandler(opts: ExecuteRouteOptions) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, opts.bodyLimit);
    const clientClosed = appError instanceof ClientClosedError;
    if (clientClosed) {
      request.log.info({ tool: request.tool }, 'client closed the connection; tool cancelled');
    } else if (appError.status >= 500 && !isAppError(error)) {
      request.log.error({ err: error }, 'unexpected error');
    } else if (appError.status >= 500) {
      request.log.warn({ code: appError.code, msg_detail: appError.message }, 'request failed');
    }
    recordExecution(opts.metrics, request.tool ?? UNKNOWN_TOOL, reply.elapsedTime / 1000, clientClosed ? 'CLIENT_CLOSED' : appError.code);

    if (appError.retryAfterS !== undefined) reply.header('retry-after', String(appError.retryAfterS));
    const envelope = errorEnvelope(appError, { traceId: request.traceId, durationMs: round(reply.elapsedTime), tool: request.tool });
    return reply.code(appError.status).send({ ...envelope, error: { ...envelope.error, retryable: isRetryable(appError) } });
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
