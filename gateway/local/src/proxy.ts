/**
 * Forwarding to the upstream with @fastify/reply-from (undici, keep-alive pools): picks a
 * target by weight, rewrites the path and headers as Kong does, streams the response back
 * without buffering, retries a target that could not be connected to (nothing was sent, so
 * any method is safe to retry) up to the service's `retries`, and answers failures with the
 * envelope: refused/reset 502, timeouts 504, no target with weight 503.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoundRobinBalancer } from './balancer';
import type { TargetModel } from './kong-config/model';
import { GATEWAY_ERRORS, sendGatewayError } from './gateway-context';
import { upstreamPath } from './router';
import type { Address, TargetAddresses } from './target-addresses';
import type { UpstreamDispatchers } from './upstream-dispatchers';

/** The connection never opened: the request was not sent, so another target may get it. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT']);
const NAME_RESOLUTION = new Set(['ENOTFOUND', 'EAI_AGAIN']);

export interface ProxyDeps {
  /** Looked up on every request: the admin API replaces an upstream's balancer when its weights change. */
  balancers: ReadonlyMap<string, RoundRobinBalancer>;
  addresses: TargetAddresses;
  dispatchers: UpstreamDispatchers;
}

export function createProxyHandler(deps: ProxyDeps) {
  return function proxy(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const ctx = request.gateway;
    const match = ctx.match;
    const balancer = match && deps.balancers.get(match.service.upstream.name);
    if (!match || !balancer) return sendGatewayError(request, reply, GATEWAY_ERRORS.unexpected());
    const path = upstreamPath(match, pathOf(request.url));
    const body = Buffer.isBuffer(request.body) && request.method !== 'GET' && request.method !== 'HEAD' ? request.body : undefined;

    const attempt = (retriesLeft: number): void => {
      const target = balancer.next();
      if (!target) {
        sendGatewayError(request, reply, GATEWAY_ERRORS.noPeer());
        return;
      }
      ctx.target = target;
      ctx.upstreamStartedAt = performance.now();
      const address = deps.addresses.resolve(target);
      deps.dispatchers.run(match.service, () =>
        reply.from(`http://${hostPort(address)}${path}`, {
          timeout: match.service.readTimeoutMs,
          ...(body ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {}),
          rewriteRequestHeaders: (_req, headers) => upstreamHeaders(request, headers, target, body !== undefined),
          onResponse: (_req, rep, res) => {
            ctx.source = 'service';
            ctx.upstreamHeadersAt = performance.now();
            rep.send(res.stream);
          },
          onError: (_rep, { error }) => {
            const code = errorCode(error);
            if (CONNECT_FAILURES.has(code) && retriesLeft > 0) {
              request.log.warn({ target: target.target, code }, 'upstream connection failed, retrying');
              attempt(retriesLeft - 1);
              return;
            }
            request.log.warn({ target: target.target, code }, 'upstream request failed');
            const answer = NAME_RESOLUTION.has(code) ? GATEWAY_ERRORS.nameResolution() : TIMEOUTS.has(code) ? GATEWAY_ERRORS.timeout() : GATEWAY_ERRORS.badGateway();
            sendGatewayError(request, reply, answer);
          },
        }),
      );
    };
    attempt(match.service.retries);
    return reply;
  };
}

/** The headers Kong sends upstream: Host of the target, X-Forwarded-*, X-Real-IP, plugins' changes. */
function upstreamHeaders(
  request: FastifyRequest,
  headers: Record<string, string | string[] | undefined>,
  target: TargetModel,
  hasBody: boolean,
): Record<string, string | string[] | undefined> {
  const ctx = request.gateway;
  const clientIp = request.ip;
  const forwardedFor = request.headers['x-forwarded-for'];
  const incomingHost = request.headers.host ?? '';
  const localPort = request.raw.socket?.localPort;
  // Plugins take client headers off (undefined) or set their own; X-Forwarded-* are the proxy's.
  const client = { ...headers };
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.upstreamHeaders)) {
    if (value === undefined) delete client[name];
    else set[name] = value;
  }
  const out: Record<string, string | string[] | undefined> = {
    ...client,
    host: target.port === 80 ? target.host : `${target.host}:${target.port}`,
    'x-forwarded-for': forwardedFor ? `${String(forwardedFor)}, ${clientIp}` : clientIp,
    'x-forwarded-proto': 'http',
    'x-forwarded-host': incomingHost.replace(/:\d+$/, ''),
    'x-forwarded-port': localPort === undefined ? undefined : String(localPort),
    'x-forwarded-path': pathOf(request.url),
    'x-real-ip': clientIp,
    ...set,
  };
  if (ctx.match?.route.stripPath && ctx.match.prefix !== '') out['x-forwarded-prefix'] = ctx.match.prefix;
  // reply-from labels a forwarded body; keep the client's (absent) Content-Type as it was.
  if (hasBody && request.headers['content-type'] === undefined) delete out['content-type'];
  return out;
}

function errorCode(error: unknown): string {
  const err = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const causeCode = err?.cause?.code;
  if (typeof causeCode === 'string') return causeCode;
  return typeof err?.code === 'string' ? err.code : 'UNKNOWN';
}

function hostPort(address: Address): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
