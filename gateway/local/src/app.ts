/**
 * The proxy listener: Kong's request phases on Fastify hooks, plugins in Kong's priority
 * order (correlation-id 100001, cors 2000, request-size-limiting 951, rate-limiting 910,
 * opentelemetry 14, prometheus 13):
 *   onRequest   correlation-id, trace id, router (404 when nothing matches), opentelemetry
 *               (span name, propagation headers), cors preflight
 *   body parser request-size-limiting (bodies are buffered, as Kong's request_buffering)
 *   preHandler  rate-limiting
 *   handler     proxy to the upstream (./proxy.ts)
 *   onSend      header_filter: correlation echo, cors headers, rate-limit headers
 *   onResponse  log: prometheus series and one access-log line
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import replyFrom from '@fastify/reply-from';
import type { Logger } from 'pino';
import { AppError, codeForStatus } from '@opsconductor/kit';
import type { RoundRobinBalancer } from './balancer';
import { createBalancers } from './balancer';
import type { ConnectionStats } from './connection-stats';
import type { GatewayContext } from './gateway-context';
import { GATEWAY_ERRORS, newContext, sendGatewayError } from './gateway-context';
import type { GatewayModel } from './kong-config/model';
import { createCorrelationId } from './plugins/correlation-id';
import { createCors } from './plugins/cors';
import { createTracing } from './plugins/opentelemetry';
import type { KongMetrics } from './plugins/prometheus';
import { createRateLimiting } from './plugins/rate-limiting';
import { bodyLimitBytes } from './plugins/request-size-limiting';
import { createProxyHandler } from './proxy';
import { Router } from './router';
import type { TargetAddresses } from './target-addresses';
import type { UpstreamDispatchers } from './upstream-dispatchers';

export interface AppDeps {
  model: GatewayModel;
  logger: Logger;
  metrics: KongMetrics;
  connections: ConnectionStats;
  addresses: TargetAddresses;
  dispatchers: UpstreamDispatchers;
  /**
   * One balancer per upstream (default: made from the model). The admin API swaps entries when
   * it applies new target weights; the proxy looks its balancer up per request.
   */
  balancers?: Map<string, RoundRobinBalancer>;
  /** Wall clock for rate-limit windows (ms since epoch); tests pin it. */
  clock?: () => number;
  /** True when an OpenTelemetry SDK records spans in this process (see plugins/opentelemetry.ts). */
  tracing?: boolean;
}

export function createApp(deps: AppDeps): FastifyInstance {
  const { model } = deps;
  const bodyLimit = bodyLimitBytes(model.plugins.requestSizeLimiting);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One access-log line per request comes from the onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  deps.connections.attach(app.server);

  void app.register(replyFrom, { undici: deps.dispatchers.facade as never, disableRequestLogging: true });
  // Bodies pass through untouched: buffered as bytes, never parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  app.decorateRequest('gateway', null as unknown as GatewayContext);

  const router = new Router(model.services);
  const correlation = createCorrelationId(model.plugins.correlationId);
  const tracing = createTracing(model.plugins.openTelemetry, deps.tracing ?? false);
  const cors = model.plugins.cors && createCors(model.plugins.cors);
  const rateLimitConfig = model.plugins.rateLimiting;
  const rateLimiting = rateLimitConfig && createRateLimiting(rateLimitConfig, deps.clock);

  app.addHook('onRequest', async (request, reply) => {
    deps.connections.requestStarted();
    // 'close' fires once whether the answer finished or the client went away.
    reply.raw.once('close', () => deps.connections.requestFinished());
    const ctx = (request.gateway = newContext(request));
    ctx.requestId = correlation.access(request);
    ctx.traceId = tracing.correlationId(request, ctx.requestId);
    // Kong keeps any client request id; logs get a bounded copy of it.
    request.log = request.log.child({ trace_id: ctx.traceId.slice(0, 128), request_id: ctx.requestId.slice(0, 128) });
    const match = router.match(request.method, pathOf(request.url));
    if (!match) return sendGatewayError(request, reply, GATEWAY_ERRORS.noRoute());
    ctx.match = match;
    tracing.access(request, match.route);
    if (cors?.preflight(request, reply)) return reply;
    return undefined;
  });

  app.addHook('preHandler', async (request, reply) => {
    const match = request.gateway.match;
    if (!rateLimiting || !rateLimitConfig || !match) return undefined;
    const decision = await rateLimiting.check(`${match.service.label}|${match.route.label}`, request.ip);
    Object.assign(request.gateway.responseHeaders, decision.headers);
    if (decision.allowed) return undefined;
    const error = GATEWAY_ERRORS.rateLimited(codeForStatus(rateLimitConfig.error_code), rateLimitConfig.error_message, decision.resetS);
    return sendGatewayError(request, reply, error, rateLimitConfig.error_code);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.gateway) return payload;
    correlation.headerFilter(request, reply);
    cors?.headerFilter(request, reply);
    for (const [name, value] of Object.entries(request.gateway.responseHeaders)) reply.header(name, value);
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const ctx = request.gateway;
    if (!ctx) return;
    const end = performance.now();
    const requestMs = end - ctx.startedAt;
    const upstreamMs = ctx.upstreamStartedAt !== undefined && ctx.upstreamHeadersAt !== undefined ? ctx.upstreamHeadersAt - ctx.upstreamStartedAt : undefined;
    if (ctx.match) {
      deps.metrics.log({
        service: ctx.match.service.label,
        route: ctx.match.route.label,
        status: reply.statusCode,
        source: ctx.source,
        requestMs,
        upstreamMs,
        kongMs: upstreamMs === undefined ? requestMs : (ctx.upstreamStartedAt ?? end) - ctx.startedAt,
        ingressBytes: requestBytes(request.raw.rawHeaders, request.raw.method, request.raw.url, request.body),
        egressBytes: Math.max(0, (request.raw.socket?.bytesWritten ?? 0) - ctx.socketBytesAtStart),
      });
    }
    request.log.info(
      {
        method: request.method,
        route: ctx.match?.route.label ?? 'unmatched',
        status: reply.statusCode,
        source: ctx.source,
        target: ctx.target?.target,
        duration_ms: Math.round(requestMs * 100) / 100,
      },
      'request completed',
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendGatewayError(request, reply, GATEWAY_ERRORS.tooLarge());
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return sendGatewayError(request, reply, new AppError(codeForStatus(status), error.message), status);
    request.log.error({ err: error }, 'unexpected error');
    return sendGatewayError(request, reply, GATEWAY_ERRORS.unexpected());
  });
  app.setNotFoundHandler((request, reply) => sendGatewayError(request, reply, GATEWAY_ERRORS.noRoute()));

  const proxy = createProxyHandler({ balancers: deps.balancers ?? createBalancers(model.upstreams), addresses: deps.addresses, dispatchers: deps.dispatchers });
  app.all('*', proxy);
  return app;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Bytes received for the request: request line, header lines and body (Kong's ingress size). */
function requestBytes(rawHeaders: string[], method: string | undefined, url: string | undefined, body: unknown): number {
  let size = (method?.length ?? 0) + (url?.length ?? 0) + 12; // "M U HTTP/1.1\r\n"
  for (let i = 0; i < rawHeaders.length; i += 2) size += (rawHeaders[i]?.length ?? 0) + (rawHeaders[i + 1]?.length ?? 0) + 4;
  return size + 2 + (Buffer.isBuffer(body) ? body.length : 0);
}
