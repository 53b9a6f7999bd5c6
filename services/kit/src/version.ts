import { z } from 'zod';
import { SERVICE_VERSION_MESSAGE, SERVICE_VERSION_PATTERN, env, loadConfig } from './config';

/** Set on every answer of the kit's HTTP app, so a client behind the gateway can tell which version answered. */
export const VERSION_HEADER = 'x-opsconductor-version';

const versionSchema = z.object({ SERVICE_VERSION: env.serviceVersion() });

/**
 * SERVICE_VERSION on its own, for the kit's factories when a service passes no version: a
 * service whose config schema does not list it still gets its label. Throws ConfigError.
 */
export function serviceVersionFromEnv(source: NodeJS.ProcessEnv = process.env): string {
  return loadConfig(versionSchema, { SERVICE_VERSION: source.SERVICE_VERSION }).SERVICE_VERSION;
}

/** A version given in code (a factory's option) is held to the same rule as one from the environment. */
export function checkServiceVersion(version: string): string {
  if (!SERVICE_VERSION_PATTERN.test(version)) throw new Error(`service version "${version}": ${SERVICE_VERSION_MESSAGE}`);
  return version;
}
