import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '@opsconductor/db';
import { createLogger, createMetrics, createMetricsApp } from '@opsconductor/kit';
import { captureLogs } from '@opsconductor/kit/testing';
import { createApp } from '../src/app';
import { createChatClient } from '../src/llm/chat-client';
import { createPipelineMetrics } from '../src/metrics';
import type { ChatClientOptions } from '../src/llm/chat-client';
import { createDefaultTools } from '../src/tools';
import type { EmailOptions } from '../src/tools/email-send';
import type { WebhookOptions } from '../src/tools/webhook-post';

export interface ServiceOptions {
  bypassLlm?: boolean;
  /** Without it llm.complete is "not configured" and the selector plans. */
  llm?: Omit<ChatClientOptions, 'model' | 'maxOutputTokens' | 'timeoutMs'> & Partial<ChatClientOptions>;
  drainTimeoutMs?: number;
  faultInjectionErrorRatio?: number;
  /** SERVICE_VERSION of the service (default `test`). */
  version?: string;
  /** The database of task.create; without it the tool is "not configured". */
  db?: Queryable;
  /** webhook.post's options; without a signing secret the tool is "not configured". */
  webhook?: WebhookOptions;
  /** The email tools' options; without a cipher they are "not configured". */
  email?: EmailOptions;
  /** TOOL_TIMEOUT_MS (default the service's 25 s). */
  toolTimeoutMs?: number;
}

export interface TestService {
  app: FastifyInstance;
  metricsApp: FastifyInstance;
  /** http://127.0.0.1:<port> of the API. */
  url: string;
  logs: ReturnType<typeof captureLogs>;
  execute(body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  /** POST /plan. */
  plan(body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  /** The metrics app's /metrics text. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/** The service as main() wires it, on an ephemeral port, logging (debug and up) into memory. */
export async function startService(opts: ServiceOptions = {}): Promise<TestService> {
  const logs = captureLogs();
  const logger = createLogger({ service: 'ai-pipeline-test', level: 'debug', destination: logs.stream });
  const metrics = createMetrics({ service: 'ai-pipeline-test', version: opts.version ?? 'test' });
  const pipelineMetrics = createPipelineMetrics(metrics.registry);
  const chatClient = opts.llm
    ? createChatClient({ model: 'gpt-4o-mini', maxOutputTokens: 800, timeoutMs: 5000, tokensTotal: pipelineMetrics.llmTokensTotal, ...opts.llm })
    : undefined;
  const app = createApp({
    logger,
    metrics,
    pipelineMetrics,
    chatClient,
    tools: createDefaultTools({ chatClient, db: opts.db, ...(opts.webhook ? { webhook: opts.webhook } : {}), ...(opts.email ? { email: opts.email } : {}) }),
    bypassLlm: opts.bypassLlm ?? false,
    drainTimeoutMs: opts.drainTimeoutMs ?? 0,
    faultInjectionErrorRatio: opts.faultInjectionErrorRatio,
    ...(opts.toolTimeoutMs ? { toolTimeoutMs: opts.toolTimeoutMs } : {}),
  });
  const metricsApp = createMetricsApp({ registry: metrics.registry, logger, service: 'ai-pipeline-test', version: metrics.version });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    metricsApp,
    url,
    logs,
    execute: (body, headers = {}) => postJson(`${url}/execute`, body, headers),
    plan: (body, headers = {}) => postJson(`${url}/plan`, body, headers),
    async scrape() {
      const res = await metricsApp.inject({ method: 'GET', url: '/metrics' });
      return res.body;
    },
    async close() {
      await app.close();
      await metricsApp.close();
      chatClient?.close();
    },
  };
}

async function postJson(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** One request the fake provider received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type ProviderBehaviour = (req: ReceivedRequest, res: http.ServerResponse) => void;

export interface FakeProvider {
  /** Base URL to use as AI_BASE_URL (ends in /v1, like OpenAI's). */
  baseUrl: string;
  received: ReceivedRequest[];
  /** What the next requests get; defaults to a 200 completion answering "hello from the model". */
  behave(behaviour: ProviderBehaviour): void;
  close(): Promise<void>;
}

export interface CompletionOptions {
  /** Default `stop`; `null` leaves it out. */
  finishReason?: string | null;
  /** `usage` as OpenAI reports it; absent by default (providers may omit it). */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
  model?: string;
}

/** A chat-completions answer as OpenAI sends it (recorded shape), with the reply `content`. */
export function completion(content: string, opts: CompletionOptions = {}): Record<string, unknown> {
  const finishReason = opts.finishReason === undefined ? 'stop' : opts.finishReason;
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_767_225_600,
    model: opts.model ?? 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, ...(finishReason === null ? {} : { finish_reason: finishReason }) }],
    ...(opts.usage ? { usage: opts.usage } : {}),
    system_fingerprint: 'fp_test',
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A real OpenAI-compatible HTTP server on an ephemeral port: POST /v1/chat/completions. */
export async function startFakeProvider(): Promise<FakeProvider> {
  const received: ReceivedRequest[] = [];
  let behaviour: ProviderBehaviour = (_req, res) => sendJson(res, 200, completion('hello from the model'));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      received.push(request);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        sendJson(res, 404, { error: { message: 'not found' } });
        return;
      }
      behaviour(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    behave(next) {
      behaviour = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export { sample } from '@opsconductor/kit/testing';

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
