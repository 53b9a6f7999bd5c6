/**
 * The process: reads env, loads kong.yml (refusing, with every bad field named, what it
 * cannot honour), listens on PORT (proxy) and STATUS_PORT (/metrics, /status, /health),
 * and drains on SIGTERM/SIGINT.
 */
import { createLogger, handleShutdown, loadConfigOrExit } from '@opsconductor/kit';
import { configSchema } from './config';
import type { Gateway } from './gateway';
import { createGateway } from './gateway';
import { KongConfigError } from './kong-config/load';

async function main(): Promise<void> {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: 'gateway-local', level: config.LOG_LEVEL });

  let gateway: Gateway;
  try {
    gateway = createGateway({ configFile: config.GATEWAY_CONFIG, targetOverrides: config.GATEWAY_TARGET_OVERRIDES, logger });
  } catch (err) {
    if (err instanceof KongConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  await gateway.proxy.listen({ host: config.HOST, port: config.PORT });
  await gateway.status.listen({ host: config.HOST, port: config.STATUS_PORT });
  logger.info(
    {
      port: addressPort(gateway.proxy) ?? config.PORT,
      status_port: addressPort(gateway.status) ?? config.STATUS_PORT,
      config: config.GATEWAY_CONFIG,
      routes: gateway.model.services.flatMap((s) => s.routes.map((r) => `${r.label} ${r.paths.join(',')} -> ${s.label}`)),
    },
    'listening',
  );
  handleShutdown({ logger, steps: gateway.shutdownSteps, graceMs: config.SHUTDOWN_GRACE_MS });
}

function addressPort(app: Gateway['proxy']): number | undefined {
  const address = app.server.address();
  return address !== null && typeof address === 'object' ? address.port : undefined;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
