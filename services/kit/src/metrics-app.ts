import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { runReadiness } from './health';
import type { ReadinessCheck } from './health';

export interface MetricsAppOptions {
  registry: Registry;
  logger: Logger;
  service: string;
  /** When given, the port also answers /health and /ready (the queue-worker has no other port). */
  readiness?: readonly ReadinessCheck[];
}

/** The scrape port (`/metrics` in Prometheus text format), kept apart from the API port. */
export function createMetricsApp(opts: MetricsAppOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true });
  app.get('/metrics', async (_request, reply) => {
    const body = await opts.registry.metrics();
    return reply.header('content-type', opts.registry.contentType).send(body);
  });
  if (opts.readiness) {
    const checks = opts.readiness;
    app.get('/health', async () => ({ status: 'ok', service: opts.service }));
    app.get('/ready', async (_request, reply) => {
      const report = await runReadiness(checks, { timeoutMs: 2000 });
      return reply.code(report.ready ? 200 : 503).send(report);
    });
  }
  return app;
}
