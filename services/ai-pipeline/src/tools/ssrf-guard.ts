import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why an address may not be called: the ipaddr.js range it falls in (`loopback`, `private`,
 * `linkLocal`, `uniqueLocal`, `carrierGradeNat`, `unspecified`, `multicast`, `reserved`, ...),
 * or undefined for a public unicast address. Only plain unicast passes: the ranges that embed
 * an IPv4 address (6to4, Teredo, NAT64) or are reserved could reach an internal host, so they
 * are refused with the private ones. IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as its
 * IPv4 address. Anything that does not parse is refused too.
 */
export function forbiddenRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type LookupAll = (hostname: string) => Promise<ResolvedAddress[]>;

/** Every address of a host name, as the system resolver (dns.lookup: /etc/hosts, then DNS) answers. */
export const systemLookup: LookupAll = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export class HostRefusedError extends Error {
  constructor(
    readonly hostname: string,
    readonly range: string,
  ) {
    super(`${hostname} resolves to a private address (${range}); webhooks go to public addresses only`);
    this.name = 'HostRefusedError';
  }
}

/** The host of a URL without the brackets of an IPv6 literal (`[::1]` → `::1`). */
export const bareHost = (hostname: string) => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname);

/**
 * Resolves `hostname` (a URL's, brackets and all) and returns the address to connect to. Every
 * address is checked, not only the first: a name with one public and one private address could
 * otherwise be steered to the private one. Hosts in `allowPrivate` skip the check (tests, a
 * receiver on the operator's own network). The caller connects to the returned address only:
 * resolving again could answer differently (DNS rebinding).
 */
export async function resolvePublicAddress(
  hostname: string,
  opts: { allowPrivate: ReadonlySet<string>; lookup?: LookupAll },
): Promise<ResolvedAddress> {
  const host = bareHost(hostname);
  const family = net.isIP(host);
  const addresses: ResolvedAddress[] = family !== 0 ? [{ address: host, family: family === 6 ? 6 : 4 }] : await (opts.lookup ?? systemLookup)(host);
  const first = addresses[0];
  if (!first) throw new Error(`no address for ${host}`);
  if (!opts.allowPrivate.has(hostname) && !opts.allowPrivate.has(host)) {
    for (const { address } of addresses) {
      const range = forbiddenRange(address);
      if (range !== undefined) throw new HostRefusedError(hostname, range);
    }
  }
  return first;
}

/**
 * A `lookup` for http.request that answers the checked address and never asks DNS. Node calls it
 * with `all: true` when it tries address families in turn (autoSelectFamily), else without.
 */
export function pinnedLookup(resolved: ResolvedAddress): net.LookupFunction {
  return ((_hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: resolved.address, family: resolved.family }]);
    else callback(null, resolved.address, resolved.family);
  }) as unknown as net.LookupFunction;
}
