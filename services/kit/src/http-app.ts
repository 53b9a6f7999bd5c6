import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError, codeForStatus, errorEnvelope, isAppError } from './errors';
import type { HttpMetrics } from './metrics';
import { trackConnections } from './connection-drain';
import { runReadiness } from './health';
import type { ReadinessCheck } from './health';
import { TRACE_ID_HEADER, resolveTraceId } from './trace-id';
import { nameServerSpan, setCorrelationId } from './correlation';
import type { ResolvedTraceId } from './trace-id';
import { VERSION_HEADER, checkServiceVersion } from './version';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace id (from X-Trace-Id, or generated); echoed in X-Trace-Id. */
    traceId: string;
    /** The tool the request is about, when known, for the error envelope. */
    tool: string | undefined;
    /** Replaces the trace id (e.g. one given in the body) in logs and the response header. */
    adoptTraceId(traceId: string): void;
    /** Adds fields (e.g. the caller's workspace) to every later log line of the request. */
    bindLog(fields: Record<string, string>): void;
  }
}

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: HttpMetrics;
  /** Sent in X-OpsConductor-Version and /health; default the version the metrics are labelled with. */
  version?: string;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  readiness?: readonly ReadinessCheck[];
  /** Per-check bound of GET /ready in ms (default 2000). */
  readinessTimeoutMs?: number;
}

const PROBE_ROUTES = new Set(['/health', '/ready']);

/**
 * A Fastify instance with what every OpsConductor API shares: trace ids, one access log line
 * per request, HTTP metrics, the error envelope for every failure, /health and /ready.
 * Services add their routes to it; `close()` drains in-flight requests.
 */
export function createHttpApp(opts: HttpAppOptions): FastifyInstance {
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const version = checkServiceVersion(opts.version ?? opts.metrics.version);
  const resolvedTraceIds = new WeakMap<object, ResolvedTraceId>();
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // The request's logger is created once, already bound to its trace id (Fastify's default
    // child plus one for the trace id were two pino children per request).
    childLoggerFactory: (logger, _bindings, _options, rawRequest) => {
      const resolved = resolveTraceId(rawRequest.headers[TRACE_ID_HEADER]);
      resolvedTraceIds.set(rawRequest, resolved);
      return logger.child({ trace_id: resolved.traceId });
    },
    bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // On close, idle keep-alive sockets are dropped at once; busy ones finish their request.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  let draining = false;
  // Every API speaks JSON only: other bodies are refused with 415 rather than parsed as text.
  app.removeContentTypeParser('text/plain');

  app.decorateRequest('traceId', '');
  app.decorateRequest('tool', undefined);
  // Fields bound after the request's logger was made; a new trace id rebuilds it with them.
  const boundFields = new WeakMap<FastifyRequest, Record<string, string>>();
  app.decorateRequest('adoptTraceId', function (this: FastifyRequest, traceId: string) {
    if (traceId === this.traceId) return;
    this.traceId = traceId;
    this.log = opts.logger.child({ trace_id: traceId, ...boundFields.get(this) });
    setCorrelationId(traceId);
  });
  app.decorateRequest('bindLog', function (this: FastifyRequest, fields: Record<string, string>) {
    boundFields.set(this, { ...boundFields.get(this), ...fields });
    // The request's own child logger takes the fields: a child of it per request cost ~3 % of
    // the automation-service's CPU on the echo path (bench/RESULTS.md).
    (this.log as Logger).setBindings(fields);
  });

  app.addHook('onRequest', async (request) => {
    const { traceId, rejected } = resolvedTraceIds.get(request.raw) ?? resolveTraceId(request.headers[TRACE_ID_HEADER]);
    request.traceId = traceId;
    // The server span (when tracing runs) is named for its route and carries the correlation id,
    // which its child spans inherit.
    nameServerSpan(request.method, request.routeOptions.url);
    setCorrelationId(traceId);
    if (rejected !== undefined) {
      request.log.warn({ rejected_trace_id: rejected.slice(0, 64), rejected_length: rejected.length }, 'replaced invalid X-Trace-Id');
    }
  });

  // The headers go on every answer, the error envelope's included, with the final trace id; the
  // version tells a client behind the gateway whether stable or the canary answered.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header(TRACE_ID_HEADER, request.traceId);
    reply.header(VERSION_HEADER, version);
    // While draining, the socket of each finished request is closed, or a keep-alive client
    // would hold it open and close() would wait for the keep-alive timeout.
    if (draining) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (PROBE_ROUTES.has(route)) return;
    const seconds = reply.elapsedTime / 1000;
    opts.metrics.httpRequestsTotal.inc({ method: request.method, route, status: String(reply.statusCode) });
    opts.metrics.httpRequestDuration.observe({ method: request.method, route }, seconds);
    request.log.info(
      { method: request.method, route, status: reply.statusCode, duration_ms: round(reply.elapsedTime) },
      'request completed',
    );
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const appError = toAppError(error, bodyLimit);
    if (appError.status >= 500 && !isAppError(error)) {
      request.log.error({ err: error }, 'unexpected error');
    } else if (appError.status >= 500) {
      request.log.warn({ code: appError.code, msg_detail: appError.message }, 'request failed');
    }
    return sendError(request, reply, appError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new AppError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.get('/health', async () => ({ status: 'ok', service: opts.service, version }));
  app.get('/ready', async (_request, reply) => {
    const report = await runReadiness(opts.readiness ?? [], { timeoutMs: opts.readinessTimeoutMs ?? 2000, draining });
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  let connections: ReturnType<typeof trackConnections> | undefined;
  app.addHook('onListen', async () => {
    connections ??= trackConnections(app.server);
  });
  app.addHook('preClose', async () => {
    draining = true;
    connections?.destroyIdle();
  });

  return app;
}

/** Answers with the error envelope (and Retry-After where the error carries one). */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
  return reply
    .code(error.status)
    .send(errorEnvelope(error, { traceId: request.traceId, durationMs: round(reply.elapsedTime), tool: request.tool }));
}

/** What a caller may learn about a failure: our own errors as they are, Fastify's by status, the rest hidden. */
export function toAppError(error: unknown, bodyLimit: number): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as Partial<FastifyError> | undefined;
  const status = fastifyError?.statusCode;
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'request body must be JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'request body is empty; send a JSON object', {
        details: [{ field: 'body', message: 'required' }],
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'request body is not valid JSON', { details: [{ field: 'body', message: 'invalid JSON' }] });
    default:
      break;
  }
  if (error instanceof SyntaxError && status === 400) {
    return new AppError('VALIDATION_ERROR', 'request body is not valid JSON', { details: [{ field: 'body', message: 'invalid JSON' }] });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError(codeForStatus(status), fastifyError?.message ?? 'bad request');
  }
  return new AppError('INTERNAL_ERROR', 'internal error', { cause: error });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
