/**
 * Kong 3.9's value rules (kong/db/schema/typedefs.lua and kong/constants.lua) as zod types.
 * Only the rules behind the fields our kong.yml may use are spelled out; messages follow
 * Kong's wording so an error reads the same here as from `kong config parse`.
 */
import { z } from 'zod';

/** kong/constants.lua PROTOCOLS (ws/wss are accepted by the schema, served by Enterprise only). */
export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;

/** typedefs.protocols_http: the protocols of the http subsystem. */
export const HTTP_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'ws', 'wss'] as const;

/** Route protocols that may not be mixed in one route (routes.lua mutually_exclusive_subsets). */
export const EXCLUSIVE_PROTOCOL_SETS: ReadonlyArray<readonly string[]> = [
  ['http', 'https'],
  ['tcp', 'tls', 'udp'],
  ['tls_passthrough'],
  ['grpc', 'grpcs'],
  ['ws', 'wss'],
];

/** services.lua nonzero_timeout: milliseconds, 1 .. 2^31-2. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 2;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_LABELS = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
/** validate_utf8_name: alphanumerics, `.`, `-`, `_`, `~`, and any non-ASCII character. */
const UTF8_NAME = /^(?:[A-Za-z0-9._~-]|\P{ASCII})+$/u;
/** validate_tag: printable ASCII except `,` and `/`, plus non-ASCII. */
const TAG = /^(?:[ !-+\-.0-~]|\P{ASCII})+$/u;
/** RFC 7230 token, the shape utils.validate_header_name accepts. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** validate_path: RFC 3986 unreserved, sub-delims, `:`, `@`, `/` and percent escapes. */
const PATH_CHARS = /^\/[A-Za-z0-9._~/%:@!$&'()*+,;=-]*$/;

export function isIp(value: string): boolean {
  return IPV4.test(value) || (value.includes(':') && /^[0-9A-Fa-f:.]+$/.test(value.replace(/^\[|\]$/g, '')));
}

export function isHostname(value: string): boolean {
  return value.length > 0 && value.length <= 253 && HOST_LABELS.test(value) && !IPV4.test(value);
}

/** Splits `host[:port]` (IPv6 in brackets); port is undefined when absent. */
export function splitHostPort(value: string): { host: string; port: number | undefined } | undefined {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const parts = value.split(':');
  if (parts.length > 2) return isIp(value) ? { host: value, port: undefined } : undefined;
  const [host = '', port] = parts;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return undefined;
  return { host, port: port === undefined ? undefined : Number(port) };
}

export const uuid = z.string().regex(UUID, { message: 'expected a uuid' });

export const utf8Name = z.string().regex(UTF8_NAME, {
  message: 'invalid value: the only accepted ascii characters are alphanumerics or ., -, _, and ~',
});

export const tags = z.array(
  z.string().min(1).regex(TAG, { message: 'invalid tag: expected printable ascii (except `,` and `/`) or valid utf-8 sequences' }),
);

export const port = z.number({ message: 'expected an integer' }).int('expected an integer').min(0).max(65535, 'value should be between 0 and 65535');

export const timeoutMs = z
  .number({ message: 'expected an integer' })
  .int('expected an integer')
  .min(1, `value should be between 1 and ${MAX_TIMEOUT_MS}`)
  .max(MAX_TIMEOUT_MS, `value should be between 1 and ${MAX_TIMEOUT_MS}`);

export const protocol = z.enum(PROTOCOLS, { message: `expected one of: ${PROTOCOLS.join(', ')}` });

export const headerName = z.string().regex(HEADER_NAME, { message: 'bad header name: expected an RFC 7230 token' });

/** typedefs.host: a hostname or IP address, without a port. */
export const host = z.string().superRefine((value, ctx) => {
  const parts = splitHostPort(value);
  if (!parts || !(isHostname(parts.host) || isIp(parts.host))) ctx.addIssue({ code: 'custom', message: `invalid value: ${value}` });
  else if (parts.port !== undefined) ctx.addIssue({ code: 'custom', message: 'must not have a port' });
});

/** typedefs.path: a normalised absolute path without empty segments. */
export const path = z.string().superRefine((value, ctx) => {
  const problem = pathProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** typedefs.router_path: a prefix path (`/...`) or a regex path (`~/...`). */
export const routerPath = z.string().superRefine((value, ctx) => {
  if (!value.startsWith('/') && !value.startsWith('~/')) {
    ctx.addIssue({ code: 'custom', message: 'should start with: / (fixed path) or ~/ (regex path)' });
    return;
  }
  if (value.includes('//')) {
    ctx.addIssue({ code: 'custom', message: 'must not have empty segments' });
    return;
  }
  if (value.startsWith('~')) {
    try {
      new RegExp(value.slice(1));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regex: '${value.slice(1)}' (${(err as Error).message})` });
    }
    return;
  }
  const problem = pathProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** typedefs.url: LuaSocket's url.parse must find a host (`//host`) and a scheme (`scheme:`). */
export const url = z.string({ message: 'expected a string' }).superRefine((value, ctx) => {
  const scheme = /^[A-Za-z0-9][A-Za-z0-9+.-]*:/.exec(value)?.[0];
  const authority = /^\/\/([^/?#]*)/.exec(value.slice(scheme?.length ?? 0))?.[1];
  const hostName = authority?.replace(/^.*@/, '').replace(/:\d*$/, '');
  if (!hostName) ctx.addIssue({ code: 'custom', message: 'missing host in url' });
  else if (!scheme) ctx.addIssue({ code: 'custom', message: 'missing scheme in url' });
});

/** A regex the way the cors plugin accepts `origins` entries: `*` or something that compiles. */
export const asteriskOrRegex = z.string().superRefine((value, ctx) => {
  if (value === '*') return;
  try {
    new RegExp(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a valid regex` });
  }
});

function pathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return "should start with: '/'";
  if (value.includes('//')) return 'must not have empty segments';
  if (!PATH_CHARS.test(value)) return `invalid path: '${value}' (characters outside of the reserved list of RFC 3986 found)`;
  const badEscape = /%(?![0-9A-Fa-f]{2})/.exec(value);
  if (badEscape) return `invalid url-encoded value: '${value.slice(badEscape.index, badEscape.index + 3)}'`;
  const segments = value.split('/');
  if (segments.includes('.') || segments.includes('..')) return `non-normalized path: '${value}'`;
  return undefined;
}
