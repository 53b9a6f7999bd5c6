/**
 * Where a kong.yml target is reached locally. kong.yml names compose hosts
 * (`automation-service:3003`) that do not resolve on a developer machine, so each target
 * maps to a local address: an explicit override, else `127.0.0.1:<port>`. IP targets are
 * already addresses and are used as written.
 */
import { isIp, splitHostPort } from './kong-config/kong-rules';
import type { TargetModel } from './kong-config/model';
import { DEFAULT_TARGET_PORT } from './kong-config/model';

export interface Address {
  host: string;
  port: number;
}

/** Parses `a:1=127.0.0.1:2,b:3=127.0.0.1:4`; throws naming the bad entry. */
export function parseTargetOverrides(value: string): Map<string, Address> {
  const overrides = new Map<string, Address>();
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [from, to, extra] = entry.split('=');
    const key = from === undefined ? undefined : targetKey(from.trim());
    const address = to === undefined ? undefined : splitHostPort(to.trim());
    if (extra !== undefined || key === undefined || !address || address.port === undefined || address.host === '') {
      throw new Error(`bad entry '${entry}': expected <target>=<host>:<port>, e.g. automation-service:3003=127.0.0.1:3003`);
    }
    overrides.set(key, { host: address.host, port: address.port });
  }
  return overrides;
}

export class TargetAddresses {
  constructor(private readonly overrides: ReadonlyMap<string, Address> = new Map()) {}

  resolve(target: Pick<TargetModel, 'host' | 'port'>): Address {
    const override = this.overrides.get(`${target.host}:${target.port}`);
    if (override) return override;
    return isIp(target.host) ? { host: target.host, port: target.port } : { host: '127.0.0.1', port: target.port };
  }
}

function targetKey(target: string): string | undefined {
  const parts = splitHostPort(target);
  if (!parts || parts.host === '') return undefined;
  return `${parts.host}:${parts.port ?? DEFAULT_TARGET_PORT}`;
}
