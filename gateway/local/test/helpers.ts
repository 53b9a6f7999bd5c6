import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { createLogger } from '@opsconductor/kit';
import type { Gateway } from '../src/gateway';
import { createGateway } from '../src/gateway';
import type { Address } from '../src/target-addresses';

export const KONG_YML = resolve(__dirname, '..', '..', 'kong.yml');
export const realConfigText = (): string => readFileSync(KONG_YML, 'utf8');

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Upstream {
  port: number;
  address: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records what reached it; the default answer echoes. */
export async function startUpstream(
  handle: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void = (_req, res, seen) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: seen.url, body: seen.body }));
  },
): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      handle(req, res, entry);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface RunningGateway {
  gateway: Gateway;
  proxyUrl: string;
  statusUrl: string;
  adminUrl: string;
  close(): Promise<void>;
}

export async function startGateway(
  configText: string,
  opts: { overrides?: ReadonlyMap<string, Address>; clock?: () => number; tracing?: boolean } = {},
): Promise<RunningGateway> {
  const gateway = createGateway({
    configText,
    logger: createLogger({ service: 'gateway-local-test', level: 'silent' }),
    ...(opts.overrides ? { targetOverrides: opts.overrides } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.tracing !== undefined ? { tracing: opts.tracing } : {}),
  });
  await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
  await gateway.status.listen({ host: '127.0.0.1', port: 0 });
  await gateway.admin.listen({ host: '127.0.0.1', port: 0 });
  const port = (app: Gateway['proxy']) => (app.server.address() as AddressInfo).port;
  return {
    gateway,
    proxyUrl: `http://127.0.0.1:${port(gateway.proxy)}`,
    statusUrl: `http://127.0.0.1:${port(gateway.status)}`,
    adminUrl: `http://127.0.0.1:${port(gateway.admin)}`,
    close: () => gateway.close(),
  };
}

export interface TestConfigOptions {
  targets: Array<{ target: string; weight?: number }>;
  paths?: string[];
  stripPath?: boolean;
  servicePath?: string;
  readTimeoutMs?: number;
  retries?: number;
  plugins?: Array<{ name: string; config?: Record<string, unknown> }>;
}

/** A small kong.yml for one service `svc` behind upstream `up`, route `r`. */
export function testConfig(opts: TestConfigOptions): string {
  return stringify({
    _format_version: '3.0',
    upstreams: [{ name: 'up', targets: opts.targets.map((t) => ({ target: t.target, weight: t.weight ?? 100 })) }],
    services: [
      {
        name: 'svc',
        host: 'up',
        ...(opts.servicePath ? { path: opts.servicePath } : {}),
        read_timeout: opts.readTimeoutMs ?? 5000,
        connect_timeout: 2000,
        retries: opts.retries ?? 0,
        routes: [{ name: 'r', paths: opts.paths ?? ['/api'], strip_path: opts.stripPath ?? false }],
      },
    ],
    plugins: opts.plugins ?? [],
  });
}

/** An HTTP client with its own pool, so each test file closes what it opened. */
export function createClient() {
  const agent = new Agent({ keepAliveTimeout: 1000 });
  return {
    agent,
    async call(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
      const res = await request(url, { dispatcher: agent, method: (opts.method ?? 'GET') as 'GET', headers: opts.headers ?? {}, body: opts.body ?? null });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
    },
    close: () => agent.close(),
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The gateway on the real gateway/kong.yml, its stable target pointed at a test upstream, and its
 * frontend target at `frontendPort` (default: the same upstream), so no test reaches whatever a
 * developer runs on 127.0.0.1:3100.
 */
export function startRealGateway(upstreamPort: number, opts: { tracing?: boolean; frontendPort?: number } = {}): Promise<RunningGateway> {
  const { frontendPort = upstreamPort, ...rest } = opts;
  const overrides = new Map([
    ['automation-service:3003', { host: '127.0.0.1', port: upstreamPort }],
    ['frontend:3100', { host: '127.0.0.1', port: frontendPort }],
  ]);
  return startGateway(realConfigText(), { overrides, ...rest });
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
