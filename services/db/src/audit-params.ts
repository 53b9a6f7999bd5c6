import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { scrubPii } from '@opsconductor/kit';

/** How much of the scrubbed canonical params an audit row keeps. */
export const PARAMS_PREFIX_LENGTH = 64;

/**
 * What an audit row keeps of a request's params: the SHA-256 of their canonical JSON (keys
 * sorted, so the same params always hash the same) and the first 64 characters of that JSON
 * after PII scrubbing. Never the params themselves.
 */
export function auditParams(params: unknown): { params_hash: string; params_prefix: string } {
  const canonical = stringify(params ?? null) ?? 'null';
  return {
    params_hash: createHash('sha256').update(canonical).digest('hex'),
    params_prefix: scrubPii(canonical).slice(0, PARAMS_PREFIX_LENGTH),
  };
}
