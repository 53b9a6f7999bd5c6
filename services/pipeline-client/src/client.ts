import { Pool } from 'undici';
import type { z } from 'zod';
import { outgoingTraceHeaders } from '@opsconductor/kit';
import type { ReadinessCheck } from '@opsconductor/kit';
import { pipelinePlanSchema, pipelineSuccessSchema, toolsAnswerSchema } from './answers';
import type { ActionPlan, PipelineSuccess, ToolDescription } from './answers';
import { CallCancelledError, PipelineError, errorFromAnswer, isUnreachable, timeoutError, unreachableError } from './errors';
import { createPipelineBreaker } from './circuit-breaker';
import type { PipelineBreakerOptions } from './circuit-breaker';

/** What /ai/execute sends on to ai-pipeline's POST /execute. */
export interface ExecuteRequest {
  input: string;
  tool?: string;
  params?: Record<string, unknown>;
}

/** What /ai/plan and an untooled /ai/execute send to ai-pipeline's POST /plan. */
export interface PipelinePlanRequest {
  input: string;
  /** The tools the caller may run (a workspace's allowlist); absent: every tool. */
  tools?: string[];
  /** Params the caller fixed: ai-pipeline then only chooses the tool, by its selector. */
  params?: Record<string, unknown>;
}

export interface CallContext {
  traceId: string;
  /** Aborted when our caller goes away; the upstream call is then abandoned too. */
  signal: AbortSignal;
  /** The caller's workspace (from its API key), sent as X-Workspace-Id: tools that write data write it there. */
  workspaceId?: string;
  /** The job being run, sent as X-Job-Id: tools with side effects do them once per job. */
  jobId?: string;
  /**
   * When a request makes several calls (plan, then execute), the epoch ms by which all of them
   * must be done: each call gets what is left, never more than the client's timeout.
   */
  deadline?: number;
}

/** Headers that tell ai-pipeline whose request it runs; it trusts them (it is internal, never routed by the gateway). */
export const WORKSPACE_ID_HEADER = 'x-workspace-id';
export const JOB_ID_HEADER = 'x-job-id';

function contextHeaders(ctx: CallContext): Record<string, string> {
  const headers: Record<string, string> = {};
  if (ctx.workspaceId !== undefined) headers[WORKSPACE_ID_HEADER] = ctx.workspaceId;
  if (ctx.jobId !== undefined) headers[JOB_ID_HEADER] = ctx.jobId;
  return headers;
}

/** ai-pipeline as the routes see it; tests may pass any implementation. */
export interface AiPipeline {
  /** Bound of one whole call in ms (also the figure in the 504 message). */
  readonly timeoutMs: number;
  /** Resolves with the pipeline's answer or throws PipelineError / CallCancelledError. */
  execute(request: ExecuteRequest, ctx: CallContext): Promise<PipelineSuccess>;
  /** Resolves when GET /health answers 200. */
  checkHealth(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** ai-pipeline's planner (POST /plan): what the automation-service asks before an untooled execution. */
export interface ActionPlanner {
  /** The action ai-pipeline's planner chooses for the input, run nowhere; throws like execute. */
  plan(request: PipelinePlanRequest, ctx: CallContext): Promise<ActionPlan>;
}

/** ai-pipeline's registry as clients may show it (GET /tools). */
export interface ToolCatalog {
  /** Resolves with every registered tool, or throws PipelineError / CallCancelledError. */
  tools(ctx: CallContext): Promise<ToolDescription[]>;
}

/** What createAiPipelineClient returns: the calls of the request path, the planner and the tool catalog. */
export type AiPipelineClient = AiPipeline & ActionPlanner & ToolCatalog;

export interface AiPipelineClientOptions {
  /** Base URL such as http://ai-pipeline:8001; `/execute` and `/health` are appended to its path. */
  baseUrl: string;
  /** Bound of one whole call (connect, headers, body) in ms. */
  timeoutMs: number;
  /** Keep-alive connections to keep open (default 64). */
  connections?: number;
  /**
   * Fail fast (503 UNAVAILABLE, Retry-After) while ai-pipeline is failing, instead of piling
   * calls onto it. Without it every call goes out.
   */
  circuitBreaker?: PipelineBreakerOptions;
}

/** Largest answer read from ai-pipeline; a bigger one is a broken upstream, not something to buffer. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** A keep-alive pool to one ai-pipeline origin. One per process, closed on shutdown. */
export function createAiPipelineClient(opts: AiPipelineClientOptions): AiPipelineClient {
  const base = new URL(opts.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: opts.connections ?? 64,
    // Our own AbortSignal bounds each call; undici's timers only back it up.
    headersTimeout: opts.timeoutMs + 1000,
    bodyTimeout: opts.timeoutMs + 1000,
    maxResponseSize: MAX_ANSWER_BYTES,
  });

  /** One bounded call; a 2xx answer that `parse` accepts is returned, anything else thrown as the envelope says. */
  async function callOnce<T>(method: 'GET' | 'POST', path: string, ctx: CallContext, parse: (body: string) => T | undefined, payload?: unknown): Promise<T> {
    const timeout = AbortSignal.timeout(ctx.deadline === undefined ? opts.timeoutMs : Math.max(1, Math.min(opts.timeoutMs, ctx.deadline - Date.now())));
    const signal = AbortSignal.any([timeout, ctx.signal]);
    let status: number;
    let body: string;
    let retryAfter: string | undefined;
    try {
      const res = await pool.request({
        method,
        path: `${basePath}${path}`,
        // X-Trace-Id from the kit; W3C traceparent is added by the undici instrumentation of the kit's tracing.
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          accept: 'application/json',
          ...outgoingTraceHeaders(ctx.traceId),
          ...contextHeaders(ctx),
        },
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal,
      });
      status = res.statusCode;
      retryAfter = firstHeader(res.headers['retry-after']);
      body = await res.body.text();
    } catch (err) {
      throw transportError(err, { cancelled: ctx.signal.aborted, timedOut: timeout.aborted, timeoutMs: opts.timeoutMs });
    }
    if (status >= 200 && status < 300) {
      const answer = parse(body);
      if (answer !== undefined) return answer;
    }
    throw errorFromAnswer(status, body, retryAfter);
  }

  const breaker = opts.circuitBreaker ? createPipelineBreaker(opts.circuitBreaker) : undefined;
  /** Every call but the health check goes through the breaker: /ready must see ai-pipeline come back. */
  function call<T>(method: 'GET' | 'POST', path: string, ctx: CallContext, parse: (body: string) => T | undefined, payload?: unknown): Promise<T> {
    const once = () => callOnce(method, path, ctx, parse, payload);
    return breaker ? breaker.run(once) : once();
  }

  const execute = (request: ExecuteRequest, ctx: CallContext): Promise<PipelineSuccess> => call('POST', '/execute', ctx, parseSuccess, request);
  const tools = (ctx: CallContext): Promise<ToolDescription[]> => call('GET', '/tools', ctx, parseTools);
  const plan = (request: PipelinePlanRequest, ctx: CallContext): Promise<ActionPlan> => call('POST', '/plan', ctx, parsePlan, request);

  async function checkHealth(signal: AbortSignal): Promise<void> {
    let status: number;
    try {
      const res = await pool.request({ method: 'GET', path: `${basePath}/health`, headers: { accept: 'application/json' }, signal });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      if (isUnreachable(err)) throw new Error(`ai-pipeline is unreachable (${(err as { code: string }).code})`, { cause: err });
      throw err;
    }
    if (status !== 200) throw new Error(`ai-pipeline /health answered ${status}`);
  }

  const close = (): Promise<void> => {
    breaker?.shutdown();
    return pool.close();
  };

  return { timeoutMs: opts.timeoutMs, execute, plan, tools, checkHealth, close };
}

/** The readiness check behind GET /ready: ai-pipeline's /health through the same pool. */
export function pipelineReadiness(pipeline: AiPipeline): ReadinessCheck {
  return { name: 'ai_pipeline', check: (signal) => pipeline.checkHealth(signal) };
}

function transportError(err: unknown, how: { cancelled: boolean; timedOut: boolean; timeoutMs: number }): Error {
  if (how.cancelled) return new CallCancelledError();
  const code = (err as { code?: unknown } | null)?.code;
  if (how.timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return timeoutError(how.timeoutMs);
  if (isUnreachable(err)) return unreachableError(err);
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new PipelineError('BAD_GATEWAY', `AI Pipeline answer exceeds ${MAX_ANSWER_BYTES} bytes`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** A parser of one kind of 2xx answer: what `pick` takes from it when it is JSON that `schema` accepts, else undefined. */
function jsonAnswer<S extends z.ZodType, T>(schema: S, pick: (answer: z.infer<S>) => T): (body: string) => T | undefined {
  return (body) => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return undefined;
    }
    const parsed = schema.safeParse(json);
    return parsed.success ? pick(parsed.data) : undefined;
  };
}

const parseSuccess: (body: string) => PipelineSuccess | undefined = jsonAnswer(pipelineSuccessSchema, (answer) => answer);
const parsePlan: (body: string) => ActionPlan | undefined = jsonAnswer(pipelinePlanSchema, (answer) => answer.plan);
const parseTools: (body: string) => ToolDescription[] | undefined = jsonAnswer(toolsAnswerSchema, (answer) => answer.tools);

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
