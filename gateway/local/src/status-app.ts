/**
 * The status listener, like Kong's KONG_STATUS_LISTEN (:8100): GET /metrics (the prometheus
 * plugin's series), GET /status (Kong's status API shape), GET /status/ready (200 once the
 * config is loaded, which it is before this app exists), and /health and /ready for the
 * launcher's readiness wait.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createMetricsApp } from '@opsconductor/kit';
import type { ConnectionStats } from './connection-stats';

export interface StatusAppDeps {
  registry: Registry;
  logger: Logger;
  connections: ConnectionStats;
  /** The running config's hash: the admin API's POST /config changes it. */
  configurationHash: () => string;
}

export function createStatusApp(deps: StatusAppDeps): FastifyInstance {
  const app = createMetricsApp({ registry: deps.registry, logger: deps.logger, service: 'gateway-local', readiness: [] });
  app.get('/status', async () => kongStatus(deps.connections, deps.configurationHash()));
  app.get('/status/ready', async () => ({ message: 'ready' }));
  return app;
}

/** Kong's `GET /status` body (served by the status and the admin listener, as in Kong). */
export function kongStatus(connections: ConnectionStats, configurationHash: string) {
  const c = connections.snapshot();
  return {
    database: { reachable: true },
    configuration_hash: configurationHash,
    server: {
      connections_accepted: c.accepted,
      connections_handled: c.handled,
      connections_active: c.active,
      connections_reading: c.reading,
      connections_writing: c.writing,
      connections_waiting: c.waiting,
      total_requests: c.total,
    },
  };
}
