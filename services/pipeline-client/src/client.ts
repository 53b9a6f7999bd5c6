import { Pool } from 'undici';
import { outgoingTraceHeaders } from '@opsconductor/kit';
import type { ReadinessCheck } from '@opsconductor/kit';
import { pipelineSuccessSchema, toolsAnswerSchema } from './answers';
import type { PipelineSuccess, ToolDescription } from './answers';
import { CallCancelledError, PipelineError, errorFromAnswer, isUnreachable, timeoutError, unreachableError } from './errors';

/** What /ai/execute sends on to ai-pipeline's POST /execute. */
export interface ExecuteRequest {
  input: string;
  tool?: string;
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

/** ai-pipeline's registry as clients may show it (GET /tools). */
export interface ToolCatalog {
  /** Resolves with every registered tool, or throws PipelineError / CallCancelledError. */
  tools(ctx: CallContext): Promise<ToolDescription[]>;
}

/** What createAiPipelineClient returns: the calls of the request path and the tool catalog. */
export type AiPipelineClient = AiPipeline & ToolCatalog;

export interface AiPipelineClientOptions {
  /** Base URL such as http://ai-pipeline:8001; `/execute` and `/health` are appended to its path. */
  baseUrl: string;
  /** Bound of one whole call (connect, headers, body) in ms. */
  timeoutMs: number;
  /** Keep-alive connections to keep open (default 64). */
  connections?: number;
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
  async function call<T>(method: 'GET' | 'POST', path: string, ctx: CallContext, parse: (body: string) => T | undefined, payload?: unknown): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
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

  const execute = (request: ExecuteRequest, ctx: CallContext): Promise<PipelineSuccess> => call('POST', '/execute', ctx, parseSuccess, request);
  const tools = (ctx: CallContext): Promise<ToolDescription[]> => call('GET', '/tools', ctx, parseTools);

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

  return { timeoutMs: opts.timeoutMs, execute, tools, checkHealth, close: () => pool.close() };
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

function parseSuccess(body: string): PipelineSuccess | undefined {
  try {
    const parsed = pipelineSuccessSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function parseTools(body: string): ToolDescription[] | undefined {
  try {
    const parsed = toolsAnswerSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.tools : undefined;
  } catch {
    return undefined;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
