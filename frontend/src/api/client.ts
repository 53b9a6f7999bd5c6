import { ApiError, CANCELLED, NETWORK_ERROR, isEnvelope } from './errors';
import type { ExecuteAnswer, ExecuteRequest, JobPage, JobStatus, JobView, Me, SubmitJobRequest, ToolsAnswer } from './types';

export interface ApiClientOptions {
  /** Gateway origin (and optional path prefix); '' means the page's own origin. */
  baseUrl: string;
  apiKey: string;
  /** Defaults to the global fetch; tests and embedders may pass their own. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** What a call answered besides the body: the trace id header, for answers that carry none in the body. */
export interface Answer<T> {
  body: T;
  status: number;
  traceId: string | undefined;
}

/** Absolute URL of an API path under the configured gateway. */
export function apiUrl(baseUrl: string, path: string): string {
  const base = baseUrl.trim() === '' ? globalThis.location.origin : baseUrl.trim().replace(/\/+$/, '');
  return `${base}${path}`;
}

function retryAfterOf(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The gateway's /ai API. Every call sends the key as a Bearer token and turns any failure into
 * an ApiError: the envelope when the gateway sent one, NETWORK_ERROR when nothing came back,
 * CANCELLED when the caller aborted. The key goes in a header only, never in a URL.
 */
export class ApiClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ApiClientOptions) {
    // Bound, so a method reference to window.fetch keeps its receiver.
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  url(path: string): string {
    return apiUrl(this.opts.baseUrl, path);
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, call: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { Accept: 'application/json', ...call.headers };
    if (this.opts.apiKey !== '') headers.Authorization = `Bearer ${this.opts.apiKey}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: call.signal });
    } catch (err) {
      if (call.signal?.aborted) throw new ApiError({ code: CANCELLED, message: 'request cancelled', status: 0 });
      throw new ApiError({ code: NETWORK_ERROR, message: err instanceof Error ? err.message : String(err), status: 0 });
    }
    const traceId = res.headers.get('x-trace-id') ?? undefined;
    let parsed: unknown;
    try {
      const text = await res.text();
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (call.signal?.aborted) throw new ApiError({ code: CANCELLED, message: 'request cancelled', status: res.status, traceId });
      // A proxy's HTML error page: the status still says what happened.
      if (res.ok) throw new ApiError({ code: 'BAD_RESPONSE', message: `the gateway answered ${res.status} with a body that is not JSON`, status: res.status, traceId });
      parsed = undefined;
    }
    if (res.ok) return { body: parsed as T, status: res.status, traceId };
    if (isEnvelope(parsed)) {
      throw new ApiError({
        code: parsed.error.code,
        message: parsed.error.message,
        details: parsed.error.details,
        status: res.status,
        traceId: parsed.trace_id ?? traceId,
        tool: parsed.tool,
        durationMs: parsed.duration_ms,
        retryAfter: retryAfterOf(res),
      });
    }
    throw new ApiError({ code: `HTTP_${res.status}`, message: `the gateway answered ${res.status} without an error envelope`, status: res.status, traceId, retryAfter: retryAfterOf(res) });
  }

  async execute(req: ExecuteRequest, call?: CallOptions): Promise<ExecuteAnswer> {
    return (await this.request<ExecuteAnswer>('POST', '/ai/execute', req, call)).body;
  }

  async tools(call?: CallOptions): Promise<ToolsAnswer> {
    return (await this.request<ToolsAnswer>('GET', '/ai/tools', undefined, call)).body;
  }

  async me(call?: CallOptions): Promise<Me> {
    return (await this.request<Me>('GET', '/ai/whoami', undefined, call)).body;
  }

  async submitJob(req: SubmitJobRequest, opts: CallOptions & { idempotencyKey?: string } = {}): Promise<JobView> {
    const headers = opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : undefined;
    return (await this.request<JobView>('POST', '/ai/jobs', req, { signal: opts.signal, headers })).body;
  }

  async listJobs(q: { status?: JobStatus; limit?: number; cursor?: string }, call?: CallOptions): Promise<JobPage> {
    return (await this.request<JobPage>('GET', `/ai/jobs${query(q)}`, undefined, call)).body;
  }

  async job(id: string, call?: CallOptions): Promise<JobView> {
    return (await this.request<JobView>('GET', `/ai/jobs/${encodeURIComponent(id)}`, undefined, call)).body;
  }

  async cancelJob(id: string): Promise<JobView> {
    return (await this.request<JobView>('POST', `/ai/jobs/${encodeURIComponent(id)}/cancel`)).body;
  }

  async retryJob(id: string): Promise<JobView> {
    return (await this.request<JobView>('POST', `/ai/jobs/${encodeURIComponent(id)}/retry`)).body;
  }

  async deadLetters(q: { limit?: number; cursor?: string }, call?: CallOptions): Promise<JobPage> {
    return (await this.request<JobPage>('GET', `/ai/queue/dlq${query(q)}`, undefined, call)).body;
  }

  /** POST /ai/queue/dlq/replay takes one job at a time ({job_id}). */
  async replayDead(jobId: string): Promise<JobView> {
    return (await this.request<JobView>('POST', '/ai/queue/dlq/replay', { job_id: jobId })).body;
  }
}

function query(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
