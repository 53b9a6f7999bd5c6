import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { z } from 'zod';
import { outgoingTraceHeaders } from '@opsconductor/kit';
import type { Logger } from '@opsconductor/kit';
import type { Counter } from 'prom-client';
import { ToolError } from '../tools/tool-error';

export interface ChatClientOptions {
  /** Base URL of an OpenAI-compatible API (`AI_BASE_URL`), e.g. https://api.openai.com/v1. */
  baseUrl: string;
  /** Bearer token (`AI_API_KEY`); omitted from the request when unset. */
  apiKey?: string | undefined;
  /** `AI_MODEL`, e.g. gpt-4o-mini. */
  model: string;
  /** `AI_MAX_OUTPUT_TOKENS`: the most any call may ask for (sent as max_tokens unless a call asks for fewer). */
  maxOutputTokens: number;
  /** Deadline of one call in ms (`AI_TIMEOUT_MS`), headers and body included. */
  timeoutMs: number;
  /** ai_llm_tokens_total: the tokens each answer reports are added here, labelled with `model`. */
  tokensTotal?: Counter<'model' | 'type'>;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature?: number | undefined;
  /** At most `maxOutputTokens`; defaults to it. */
  maxTokens?: number | undefined;
  /** OpenAI's `response_format`, e.g. `{type: 'json_schema', json_schema: {...}}`. */
  responseFormat?: Record<string, unknown> | undefined;
}

/** Token counts as the provider reported them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface ChatCompletion {
  text: string;
  /** The model that answered, as the provider names it (may carry a version suffix), else AI_MODEL. */
  model: string;
  /** `stop`, `length` (cut at max_tokens), `content_filter`, ...; null when the provider sent none. */
  finishReason: string | null;
  /** Null when the provider sent no (readable) `usage`: it is optional in OpenAI-compatible APIs. */
  usage: TokenUsage | null;
}

export interface CallOptions {
  /** The request's signal; its reason is thrown when it aborts. */
  signal: AbortSignal;
  traceId: string;
  logger: Logger;
}

export interface ChatClient {
  readonly model: string;
  /** Deadline of one call in ms (`AI_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** AI_MAX_OUTPUT_TOKENS: the largest `maxTokens` a request may ask for. */
  readonly maxOutputTokens: number;
  /** Answers the model's reply, or throws a ToolError that says what went wrong. */
  complete(request: ChatRequest, opts: CallOptions): Promise<ChatCompletion>;
  /** Drops the kept-alive sockets (shutdown). */
  close(): void;
}

/** The part of an OpenAI chat-completions answer we use; other fields may vary by provider. */
const completionBody = z.object({
  model: z.string().max(200).optional().catch(undefined),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string() }),
        finish_reason: z.string().max(64).nullish().catch(undefined),
      }),
    )
    .min(1),
});

const tokenCount = z.number().int().nonnegative();
/** `usage` is optional, and a provider that sends a malformed one still answered: it is read apart, never fatal. */
const usageBody = z.object({
  usage: z.object({ prompt_tokens: tokenCount, completion_tokens: tokenCount, total_tokens: tokenCount.optional() }),
});

/** Provider answers are small; anything larger is a misconfigured endpoint, not a reply. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * A client for `POST {baseUrl}/chat/completions` on kept-alive sockets. Every failure becomes a
 * ToolError with an envelope code; provider bodies are never copied into messages or logs,
 * since some providers quote the (masked) key back in their error text.
 */
export function createChatClient(opts: ChatClientOptions): ChatClient {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const api: AxiosInstance = axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    httpAgent,
    httpsAgent,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    // Every status is mapped below, so axios never throws for one.
    validateStatus: () => true,
  });

  if (opts.tokensTotal) {
    // At 0 from the start, so rate() and the dashboards see the series before the first answer.
    for (const type of ['input', 'output'] as const) opts.tokensTotal.inc({ model: opts.model, type }, 0);
  }

  return {
    model: opts.model,
    timeoutMs: opts.timeoutMs,
    maxOutputTokens: opts.maxOutputTokens,
    async complete(request, call) {
      // The callers check the limit (a 400 naming it); this only makes sure it is never exceeded.
      const maxTokens = Math.min(request.maxTokens ?? opts.maxOutputTokens, opts.maxOutputTokens);
      const body: Record<string, unknown> = { model: opts.model, max_tokens: maxTokens, messages: request.messages };
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.responseFormat !== undefined) body.response_format = request.responseFormat;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...outgoingTraceHeaders(call.traceId) };
      if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;

      // Our own deadline rather than axios' `timeout`, which only bounds socket idle time.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
      const started = performance.now();
      let response: AxiosResponse<unknown>;
      try {
        response = await api.post('/chat/completions', body, { headers, signal: AbortSignal.any([call.signal, deadline.signal]) });
      } catch (err) {
        if (call.signal.aborted) throw call.signal.reason;
        if (deadline.signal.aborted) {
          throw new ToolError('TIMEOUT', `LLM provider did not answer within ${opts.timeoutMs} ms`);
        }
        const code = axios.isAxiosError(err) && err.code ? err.code : 'network error';
        call.logger.warn({ error_code: code }, 'LLM provider unreachable');
        throw new ToolError('BAD_GATEWAY', `LLM provider unreachable (${code})`);
      } finally {
        clearTimeout(timer);
      }
      call.logger.debug({ status: response.status, duration_ms: Math.round(performance.now() - started) }, 'LLM provider answered');
      const completion = readCompletion(response, opts.model);
      const { usage } = completion;
      if (usage) {
        opts.tokensTotal?.inc({ model: opts.model, type: 'input' }, usage.inputTokens);
        opts.tokensTotal?.inc({ model: opts.model, type: 'output' }, usage.outputTokens);
        // Counts only, never the answer's text: it may hold whatever the input held.
        if (usage.outputTokens > maxTokens) {
          call.logger.warn(
            { max_tokens: maxTokens, output_tokens: usage.outputTokens, model: completion.model },
            'LLM provider reported more completion tokens than max_tokens allowed',
          );
        }
      }
      return completion;
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function readCompletion(response: AxiosResponse<unknown>, configuredModel: string): ChatCompletion {
  const { status } = response;
  if (status === 401 || status === 403) {
    throw new ToolError('BAD_GATEWAY', `LLM provider rejected the API key (HTTP ${status}); check AI_API_KEY`, { retryable: false });
  }
  if (status === 429) {
    throw new ToolError('RATE_LIMITED', 'LLM provider is rate limiting requests', {
      retryAfterS: parseRetryAfter(response.headers['retry-after']),
    });
  }
  if (status >= 500 || status === 408) {
    throw new ToolError('BAD_GATEWAY', `LLM provider failed (HTTP ${status})`);
  }
  if (status < 200 || status >= 300) {
    // A 400/404 here means a wrong model name or endpoint: repeating it will not help.
    throw new ToolError('BAD_GATEWAY', `LLM provider refused the request (HTTP ${status}); check AI_BASE_URL and AI_MODEL`, {
      retryable: false,
    });
  }
  const parsed = completionBody.safeParse(response.data);
  const first = parsed.success ? parsed.data.choices[0] : undefined;
  if (!first) {
    throw new ToolError('BAD_GATEWAY', 'LLM provider answered without choices[0].message.content; is AI_BASE_URL an OpenAI-compatible API?', {
      retryable: false,
    });
  }
  return {
    text: first.message.content,
    model: parsed.success && parsed.data.model ? parsed.data.model : configuredModel,
    finishReason: first.finish_reason ?? null,
    usage: readUsage(response.data),
  };
}

function readUsage(data: unknown): TokenUsage | null {
  const parsed = usageBody.safeParse(data);
  if (!parsed.success) return null;
  const { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: total } = parsed.data.usage;
  return { inputTokens, outputTokens, totalTokens: total ?? inputTokens + outputTokens };
}

/** Seconds to wait, from `Retry-After` as seconds or an HTTP date; 1 when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number {
  if (typeof value !== 'string' || value.trim() === '') return 1;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return 1;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
