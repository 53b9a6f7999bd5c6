import { resolve } from 'node:path';
import { z } from 'zod';
import { env } from '@opsconductor/kit';
import { parseTargetOverrides } from './target-addresses';

/** gateway/kong.yml, found from the package folder (src/ in tests, dist/ when built). */
export const DEFAULT_GATEWAY_CONFIG = resolve(__dirname, '..', '..', 'kong.yml');

/**
 * The stand-in's environment. Ports mirror Kong's: PORT is the proxy listener (Kong's
 * KONG_PROXY_LISTEN, 3000 in compose), STATUS_PORT the status listener with /metrics
 * (KONG_STATUS_LISTEN, 8100), ADMIN_PORT the Admin API (KONG_ADMIN_LISTEN; Kong's 8001 is
 * ai-pipeline's port locally, hence 8101).
 */
export const configSchema = z.object({
  HOST: env.host('0.0.0.0'),
  PORT: env.port(3000),
  STATUS_PORT: env.port(8100),
  ADMIN_PORT: env.port(8101),
  /** The Admin API changes what the gateway routes: loopback only unless asked for. */
  ADMIN_HOST: env.host('127.0.0.1'),
  /** Path of the declarative config; relative paths resolve from the working directory. */
  GATEWAY_CONFIG: z
    .string()
    .min(1)
    .default(DEFAULT_GATEWAY_CONFIG)
    .transform((p) => resolve(p)),
  /**
   * `target=host:port` pairs, comma-separated, mapping kong.yml targets (compose hostnames)
   * to local addresses, e.g. `automation-service:3003=127.0.0.1:3003`. Targets not listed
   * map `<name>:<port>` to `127.0.0.1:<port>`; IP targets are used as written.
   */
  GATEWAY_TARGET_OVERRIDES: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseTargetOverrides(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_GRACE_MS: env.positiveInt(10000),
});

export type GatewayConfig = z.infer<typeof configSchema>;
