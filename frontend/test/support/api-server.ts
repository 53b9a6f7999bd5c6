import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export type Handler = (req: SeenRequest, res: http.ServerResponse, raw: http.IncomingMessage) => void | Promise<void>;

/** One text/event-stream answer, written as the automation-service writes it. */
export interface SseWriter {
  send(event: { event?: string; data: unknown; id?: string }): void;
  retry(ms: number): void;
  end(): void;
  /** Resolves when the client closes the stream. */
  closed: Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1:0 that stands in for the gateway: tests register answers
 * (recorded from the API's documented shapes) per route, and read back what the app sent.
 * Unrouted requests get the API's 404 envelope.
 */
export class ApiServer {
  readonly requests: SeenRequest[] = [];
  private routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  /** Answers not finished yet (held requests, event streams), ended by reset(). */
  private readonly open = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ApiServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const self = new ApiServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void self.handle(req, res));
    return self;
  }

  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  /**
   * Forget routes and seen requests between tests, and drop the answers a test left open.
   * Idle sockets stay: the client may have opened one ahead of its next request, and closing
   * it under its feet would fail that request.
   */
  reset(): void {
    this.routes = [];
    this.requests.length = 0;
    for (const res of this.open) res.socket?.destroy();
    this.open.clear();
  }

  seen(method: string, path: string | RegExp): SeenRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(raw: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
    const url = new URL(raw.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const seen: SeenRequest = { method: raw.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: raw.headers, body };
    this.requests.push(seen);
    const route = this.routes.find((r) => r.method === seen.method && (typeof r.path === 'string' ? r.path === seen.path : r.path.test(seen.path)));
    if (!route) return json(res, 404, envelope('NOT_FOUND', `Route ${seen.method}:${seen.path} not found`, 'trace-404'));
    await route.handler(seen, res, raw);
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const traceId = typeof body === 'object' && body !== null && 'trace_id' in body ? String((body as { trace_id: unknown }).trace_id) : undefined;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(traceId ? { 'x-trace-id': traceId } : {}), ...headers });
  res.end(JSON.stringify(body));
}

export function envelope(code: string, message: string, traceId: string, extra: Record<string, unknown> = {}) {
  return { success: false, error: { code, message, ...extra }, trace_id: traceId, duration_ms: 1.5 };
}

export function sse(res: http.ServerResponse): SseWriter {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', connection: 'close' });
  res.flushHeaders();
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  return {
    send({ event, data, id }) {
      let frame = '';
      if (id !== undefined) frame += `id: ${id}\n`;
      if (event !== undefined) frame += `event: ${event}\n`;
      frame += `data: ${JSON.stringify(data)}\n\n`;
      res.write(frame);
    },
    retry(ms) {
      res.write(`retry: ${ms}\n\n`);
    },
    end() {
      res.end();
    },
    closed,
  };
}
