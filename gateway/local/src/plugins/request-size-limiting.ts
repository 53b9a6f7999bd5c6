/**
 * Kong's request-size-limiting plugin. Kong refuses a body over the limit with 413 (from
 * Content-Length when sent, else after reading the body); here the same limit is the body
 * parser's, which checks Content-Length first and stops reading once the limit is passed.
 * Kong's units are binary: a kilobyte is 1024 bytes, a megabyte 2^20.
 */
import type { RequestSizeLimitingConfig } from '../kong-config/plugin-schemas';

const UNIT_BYTES = { bytes: 1, kilobytes: 1024, megabytes: 1024 * 1024 } as const;

/**
 * Without the plugin Kong has no limit; the stand-in still caps buffered bodies (it holds
 * them in memory to be able to retry), at a size no API request of ours comes near.
 */
export const NO_PLUGIN_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

export function bodyLimitBytes(config: RequestSizeLimitingConfig | undefined): number {
  if (!config) return NO_PLUGIN_BODY_LIMIT_BYTES;
  return config.allowed_payload_size * UNIT_BYTES[config.size_unit];
}
