/**
 * Route matching with the priorities of Kong 3.9's default router (`traditional_compatible`,
 * kong/router/transform.lua `get_priority`) for prefix paths: a route path matches any request
 * path that starts with it (`/ai` matches `/ai/execute` and `/aix`). A route that sets more
 * fields wins (its match weight: one for `methods`, one for `paths`; the other fields are
 * refused at load), then the longer path (Kong splits a route with paths of several lengths into
 * one route per length), then declaration order. So a catch-all `/` with methods outranks
 * `/ai/x` without methods, as in Kong. Methods are compared upper-case, as Kong stores them.
 */
import type { RouteModel, ServiceModel } from './kong-config/model';

export interface RouteMatch {
  service: ServiceModel;
  route: RouteModel;
  /** The route path that matched ('' for a route without paths). */
  prefix: string;
}

interface Candidate extends RouteMatch {
  weight: number;
  order: number;
}

export class Router {
  private readonly candidates: Candidate[];

  constructor(services: readonly ServiceModel[]) {
    const candidates: Candidate[] = [];
    for (const service of services) {
      for (const route of service.routes) {
        for (const prefix of route.paths.length > 0 ? route.paths : ['']) {
          const weight = Number((route.methods?.length ?? 0) > 0) + Number(route.paths.length > 0);
          candidates.push({ service, route, prefix, weight, order: candidates.length });
        }
      }
    }
    this.candidates = candidates.sort(
      (a, b) => b.weight - a.weight || b.prefix.length - a.prefix.length || a.order - b.order,
    );
  }

  /** The route serving `method path` (path without the query string), if any. */
  match(method: string, path: string): RouteMatch | undefined {
    const verb = method.toUpperCase();
    const found = this.candidates.find((c) => path.startsWith(c.prefix) && (c.route.methods === undefined || c.route.methods.includes(verb)));
    return found && { service: found.service, route: found.route, prefix: found.prefix };
  }
}

/**
 * The path sent upstream, by Kong's `path_handling: v0`: with strip_path the matched prefix
 * is removed, and the rest is joined to the service path with exactly one `/`.
 */
export function upstreamPath(match: RouteMatch, requestPath: string): string {
  const base = match.service.path ?? '/';
  const rest = match.route.stripPath ? requestPath.slice(match.prefix.length) : requestPath;
  if (rest === '') return base === '/' || !requestPath.endsWith('/') ? base : `${base.replace(/\/$/, '')}/`;
  return `${base.replace(/\/$/, '')}/${rest.replace(/^\//, '')}`;
}
