/**
 * Kong 3.9's cors plugin. Preflights (OPTIONS with Origin and Access-Control-Request-Method)
 * are answered by the gateway with 200 and an empty body; other responses get the
 * allow-origin / credentials / expose headers in header_filter. Origin matching follows
 * Kong: `*` allows all; a single plain origin is always sent as is; otherwise the request's
 * Origin is compared with each entry, entries with regex characters matching as anchored
 * regexes (on the host alone when the entry has no `:`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CorsConfig } from '../kong-config/plugin-schemas';

interface OriginEntry {
  regex?: RegExp;
  domain?: string;
  byHost: boolean;
}

export interface Cors {
  /** Access phase: answers a preflight (returns true) or leaves the request alone. */
  preflight(request: FastifyRequest, reply: FastifyReply): boolean;
  headerFilter(request: FastifyRequest, reply: FastifyReply): void;
}

const PLAIN_ORIGIN = /^[A-Za-z0-9.:/-]+$/;

export function createCors(config: CorsConfig): Cors {
  const origins = config.origins ?? [];
  const allowAllByConfig = origins.length === 0 || (origins.length === 1 && origins[0] === '*');
  const singlePlain = origins.length === 1 && PLAIN_ORIGIN.test(origins[0] ?? '') ? origins[0] : undefined;
  const entries: Array<OriginEntry | '*'> = origins.map((entry) => {
    if (entry === '*') return '*';
    const byHost = !entry.includes(':');
    if (PLAIN_ORIGIN.test(entry)) return { domain: normalizeOrigin(entry).domain, byHost };
    const anchored = entry.replace(/^\^/, '').replace(/(?<!\$)$/, '$');
    return { regex: new RegExp(`^(?:${anchored})`), byHost };
  });

  /** Sets Access-Control-Allow-Origin; true when it allows every origin. */
  function configureOrigin(reply: FastifyReply, requestOrigin: string | undefined, append: boolean): boolean {
    if (allowAllByConfig) {
      reply.header('access-control-allow-origin', '*');
      return true;
    }
    addVary(reply, append);
    if (singlePlain !== undefined) {
      reply.header('access-control-allow-origin', singlePlain);
      return false;
    }
    if (requestOrigin !== undefined) {
      const normalized = normalizeOrigin(requestOrigin);
      for (const entry of entries) {
        if (entry === '*') {
          reply.header('access-control-allow-origin', '*');
          return true;
        }
        const found = entry.regex ? entry.regex.test(entry.byHost ? normalized.host : normalized.domain) : entry.domain === normalized.domain;
        if (found) {
          reply.header('access-control-allow-origin', normalized.domain);
          return false;
        }
      }
    }
    reply.removeHeader('access-control-allow-origin');
    return false;
  }

  function configureCredentials(reply: FastifyReply, allowAll: boolean, requestOrigin: string | undefined, append: boolean): void {
    if (!config.credentials) return;
    if (!allowAll) {
      reply.header('access-control-allow-credentials', 'true');
    } else if (requestOrigin !== undefined) {
      // A credentialed answer may not say `*`: name the caller's origin instead.
      addVary(reply, append);
      reply.header('access-control-allow-origin', requestOrigin);
      reply.header('access-control-allow-credentials', 'true');
    }
  }

  return {
    preflight(request, reply) {
      const origin = single(request.headers.origin);
      if (request.method !== 'OPTIONS' || origin === undefined || request.headers['access-control-request-method'] === undefined) return false;
      request.gateway.corsPreflightAnswered = true;
      const allowAll = configureOrigin(reply, origin, false);
      configureCredentials(reply, allowAll, origin, false);
      const requested = single(request.headers['access-control-request-headers']);
      if (config.headers && config.headers.length > 0) reply.header('access-control-allow-headers', config.headers.join(','));
      else if (requested !== undefined) reply.header('access-control-allow-headers', requested);
      reply.header('access-control-allow-methods', config.methods.join(','));
      if (config.max_age !== undefined) reply.header('access-control-max-age', String(config.max_age));
      if (config.private_network && request.headers['access-control-request-private-network'] === 'true') {
        reply.header('access-control-allow-private-network', 'true');
      }
      reply.code(200).send();
      return true;
    },
    headerFilter(request, reply) {
      if (request.gateway.corsPreflightAnswered) return;
      const origin = single(request.headers.origin);
      const allowAll = configureOrigin(reply, origin, true);
      configureCredentials(reply, allowAll, origin, true);
      if (config.exposed_headers && config.exposed_headers.length > 0) {
        reply.header('access-control-expose-headers', config.exposed_headers.join(','));
      }
    },
  };
}

/** `scheme://host[:port]` with the scheme's default port dropped; the raw value if unparsable. */
function normalizeOrigin(origin: string): { domain: string; host: string } {
  try {
    const url = new URL(origin);
    if (!url.hostname) return { domain: origin, host: origin };
    return { domain: `${url.protocol}//${url.host}`, host: url.hostname };
  } catch {
    return { domain: origin, host: origin };
  }
}

function addVary(reply: FastifyReply, append: boolean): void {
  const existing = reply.getHeader('vary');
  if (append && existing !== undefined && existing !== '') {
    if (!String(existing).split(',').some((v) => v.trim().toLowerCase() === 'origin')) reply.header('vary', `${String(existing)}, Origin`);
  } else {
    reply.header('vary', 'Origin');
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
