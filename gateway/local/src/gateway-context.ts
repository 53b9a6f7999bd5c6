/**
 * What the gateway knows about one request as it moves through Kong's phases (access,
 * header_filter, log): the matched route, its ids, who produced the answer, the timings
 * Kong's latency metrics are made of, and headers plugins change upstream and downstream.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, TRACE_ID_HEADER, errorEnvelope } from '@opsconductor/kit';
import type { ErrorCode } from '@opsconductor/kit';
import type { TargetModel } from './kong-config/model';
import type { RouteMatch } from './router';

export interface GatewayContext {
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** The gateway's own id of the request (correlation-id plugin: X-Request-Id). */
  requestId: string;
  /** The id a client quotes: its valid X-Trace-Id, else the trace's id, else requestId. */
  traceId: string;
  match: RouteMatch | undefined;
  /** `service` when the upstream produced the response, `kong` when the gateway did. */
  source: 'service' | 'kong';
  /** performance.now() when the request was sent upstream (last attempt). */
  upstreamStartedAt: number | undefined;
  /** performance.now() when the upstream's response headers arrived. */
  upstreamHeadersAt: number | undefined;
  target: TargetModel | undefined;
  /** Headers set on the request sent upstream (e.g. the generated request id); undefined removes the client's. */
  upstreamHeaders: Record<string, string | undefined>;
  /** Headers plugins add to the response in header_filter (e.g. rate-limit counters). */
  responseHeaders: Record<string, string>;
  /** Bytes already written on this connection when the request began (for egress bytes). */
  socketBytesAtStart: number;
  /** True once the cors plugin answered a preflight itself. */
  corsPreflightAnswered: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    gateway: GatewayContext;
  }
}

export function newContext(request: FastifyRequest): GatewayContext {
  return {
    startedAt: performance.now(),
    requestId: '',
    traceId: '',
    match: undefined,
    source: 'kong',
    upstreamStartedAt: undefined,
    upstreamHeadersAt: undefined,
    target: undefined,
    upstreamHeaders: {},
    responseHeaders: {},
    socketBytesAtStart: request.raw.socket?.bytesWritten ?? 0,
    corsPreflightAnswered: false,
  };
}

/** Kong's own wording for the answers it produces, under our envelope codes. */
export const GATEWAY_ERRORS = {
  noRoute: () => new AppError('NOT_FOUND', 'no Route matched with those values'),
  tooLarge: () => new AppError('PAYLOAD_TOO_LARGE', 'Request size limit exceeded'),
  badGateway: () => new AppError('BAD_GATEWAY', 'An invalid response was received from the upstream server'),
  timeout: () => new AppError('TIMEOUT', 'The upstream server is timing out'),
  noPeer: () => new AppError('UNAVAILABLE', 'failure to get a peer from the ring-balancer'),
  nameResolution: () => new AppError('UNAVAILABLE', 'name resolution failed'),
  unexpected: () => new AppError('INTERNAL_ERROR', 'An unexpected error occurred'),
  rateLimited: (code: ErrorCode, message: string, retryAfterS: number) => new AppError(code, message, { retryAfterS }),
};

/**
 * Answers with our error envelope; the gateway (not the upstream) is the source. Its trace id
 * also goes in X-Trace-Id, as on the services' answers.
 */
export function sendGatewayError(request: FastifyRequest, reply: FastifyReply, error: AppError, status = error.status): FastifyReply {
  const ctx = request.gateway;
  if (ctx) ctx.source = 'kong';
  if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
  if (ctx?.traceId) reply.header(TRACE_ID_HEADER, ctx.traceId);
  const durationMs = Math.round((performance.now() - (ctx?.startedAt ?? performance.now())) * 100) / 100;
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorEnvelope(error, { traceId: ctx?.traceId ?? '', durationMs }));
}
