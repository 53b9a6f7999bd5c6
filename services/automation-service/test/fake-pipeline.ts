/**
 * A stand-in for ai-pipeline: a real HTTP server on an ephemeral port that answers POST
 * /execute, POST /plan and GET /health like the real one, records what it received, and can
 * be told to misbehave (be slow, fail, answer garbage, hang up).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Name/value pairs as sent, so repeated headers can be counted. */
  rawHeaders: string[];
  body: unknown;
  /** Resolves when the connection of this request closed before it was answered. */
  aborted: Promise<void>;
}

export type Behaviour =
  | { kind: 'pong' }
  /** Holds every /execute request until `release()` (then answers pong) or the caller hangs up. */
  | { kind: 'slow' }
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  /** Sends the status line, headers and half a body, then stalls until the caller hangs up. */
  | { kind: 'stall-body' }
  /** Destroys the socket without answering. */
  | { kind: 'hang-up' };

/** ai-pipeline's GET /tools as the real service answered it (echo, and llm.complete without a configured model). */
export const FAKE_TOOLS = [
  {
    name: 'echo',
    description: 'Answers ping with pong and echoes any other input back unchanged; for smoke tests and health checks',
    platform: 'builtin',
    keywords: ['ping', 'pong', 'echo', 'test', 'health', 'healthcheck', 'smoke', 'repeat'],
    params_schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { delay_ms: { description: 'Wait this many ms before answering (cancelled if the caller goes away)', type: 'integer', minimum: 0, maximum: 60000 } },
      additionalProperties: false,
    },
    available: true,
  },
  {
    name: 'llm.complete',
    description: 'Sends the input to the configured chat model and answers with its reply; for questions, summaries, drafting and translation',
    platform: 'llm',
    keywords: ['ask', 'answer', 'chat', 'llm', 'ai'],
    params_schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { temperature: { type: 'number', minimum: 0, maximum: 2 } }, additionalProperties: false },
    available: false,
    unavailable_reason: 'no LLM is configured: set AI_BASE_URL to an OpenAI-compatible API (and AI_API_KEY if the provider needs one)',
  },
];

/** The planner's answer to POST /plan: a plan, or any status and body (an envelope). */
export type PlanAnswer = { plan: { tool: string; params: Record<string, unknown>; planned_by: string } } | { status: number; body: unknown };

export const ECHO_PLAN = { tool: 'echo', params: {}, planned_by: 'selector' };

export interface FakePipeline {
  url: string;
  /** Every request but GET /health, GET /tools and POST /plan, in order. */
  received: ReceivedRequest[];
  /** The POST /plan requests, in order; answered with `setPlan`'s answer whatever the behaviour. */
  plans: ReceivedRequest[];
  /** What POST /plan answers from now on (default: the echo plan, whatever `tools` says). */
  setPlan(answer: PlanAnswer): void;
  /** GET /tools calls answered so far. */
  toolCalls(): number;
  behave(behaviour: Behaviour): void;
  /** Status GET /health answers with (200 by default). */
  setHealthStatus(status: number): void;
  /** Resolves with the n-th (0-based) /execute request received, once it has arrived. */
  request(n: number): Promise<ReceivedRequest>;
  /** Answers every held slow request with pong. */
  release(): void;
  close(): Promise<void>;
}

/** The pipeline's echo bypass: ping → pong, anything else echoed. */
export function pongFor(body: unknown): { output: string; tool: string } {
  const b = (body ?? {}) as { input?: unknown; tool?: unknown };
  return { output: b.input === 'ping' ? 'pong' : String(b.input), tool: typeof b.tool === 'string' ? b.tool : 'echo' };
}

export async function startFakePipeline(): Promise<FakePipeline> {
  let behaviour: Behaviour = { kind: 'pong' };
  let healthStatus = 200;
  const received: ReceivedRequest[] = [];
  const held: Array<() => void> = [];
  let toolCalls = 0;
  const plans: ReceivedRequest[] = [];
  let planAnswer: PlanAnswer = { plan: ECHO_PLAN };
  const waiters: Array<{ n: number; resolve: (r: ReceivedRequest) => void }> = [];

  const answerPong = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => {
    const { output, tool } = pongFor(body);
    sendJson(res, 200, { success: true, output, tool, duration_ms: 0.12, trace_id: req.headers['x-trace-id'] });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/health') {
        sendJson(res, healthStatus, { status: healthStatus === 200 ? 'ok' : 'down' });
        return;
      }
      if (req.method === 'GET' && req.url === '/tools' && behaviour.kind === 'pong') {
        toolCalls += 1;
        sendJson(res, 200, { tools: FAKE_TOOLS });
        return;
      }
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      const aborted = new Promise<void>((resolve) => res.once('close', () => !res.writableFinished && resolve()));
      const record: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body, aborted };
      if (req.method === 'POST' && req.url === '/plan') {
        plans.push(record);
        const answer = planAnswer;
        if ('plan' in answer) sendJson(res, 200, { success: true, plan: answer.plan, trace_id: req.headers['x-trace-id'], duration_ms: 0.2 });
        else sendJson(res, answer.status, answer.body);
        return;
      }
      received.push(record);
      for (const w of waiters.filter((w) => w.n === received.length - 1)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(record);
      }
      const b = behaviour;
      switch (b.kind) {
        case 'pong':
          return answerPong(req, res, body);
        case 'slow':
          held.push(() => !res.destroyed && answerPong(req, res, body));
          return;
        case 'json':
          return sendJson(res, b.status, b.body, b.headers);
        case 'raw':
          res.writeHead(b.status, { 'content-type': b.contentType ?? 'text/html' });
          res.end(b.body);
          return;
        case 'stall-body':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"success": true, "out');
          return;
        case 'hang-up':
          req.socket.destroy();
          return;
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    plans,
    setPlan: (answer) => {
      planAnswer = answer;
    },
    toolCalls: () => toolCalls,
    behave: (b) => {
      behaviour = b;
    },
    setHealthStatus: (status) => {
      healthStatus = status;
    },
    request: (n) => {
      const got = received[n];
      if (got) return Promise.resolve(got);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    release: () => held.splice(0).forEach((answer) => answer()),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
