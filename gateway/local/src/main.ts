/**
 * The process: reads env, loads kong.yml (refusing, with every bad field named, what it
 * cannot honour), listens on PORT (proxy), STATUS_PORT (/metrics, /status, /health) and
 * ADMIN_HOST:ADMIN_PORT (Kong's Admin API subset), and drains on SIGTERM/SIGINT.
 */
// First: when not preloaded with --require, it still patches http and undici before they load.
import { tracing } from './instrument';
import { boundPort, createLogger, loadConfigOrExit, runMain, serve } from '@opsconductor/kit';
import { configSchema } from './config';
import type { Gateway } from './gateway';
import { createGateway } from './gateway';
import { KongConfigError } from './kong-config/load';

runMain('gateway-local', async () => {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: 'gateway-local', level: config.LOG_LEVEL });

  let gateway: Gateway;
  try {
    gateway = createGateway({ configFile: config.GATEWAY_CONFIG, targetOverrides: config.GATEWAY_TARGET_OVERRIDES, logger, tracing: tracing.started });
  } catch (err) {
    if (err instanceof KongConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  // serve() binds its listeners to HOST; the admin API has its own (loopback) host, so it is bound
  // here and closed first on shutdown, before the proxy drains.
  await gateway.admin.listen({ host: config.ADMIN_HOST, port: config.ADMIN_PORT });
  await serve({
    logger,
    host: config.HOST,
    graceMs: config.SHUTDOWN_GRACE_MS,
    listeners: [
      { name: 'proxy', app: gateway.proxy, port: config.PORT },
      { name: 'status', app: gateway.status, port: config.STATUS_PORT },
    ],
    drain: [{ name: 'admin', run: () => gateway.admin.close() }],
    cleanup: [{ name: 'upstream pools', run: () => gateway.closeUpstreams() }],
    details: {
      admin_host: config.ADMIN_HOST,
      admin_port: boundPort(gateway.admin),
      config: config.GATEWAY_CONFIG,
      routes: gateway.model.services.flatMap((s) => s.routes.map((r) => `${r.label} ${r.paths.join(',')} -> ${s.label}`)),
    },
  });
});
