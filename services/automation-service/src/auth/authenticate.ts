/**
 * Every /ai/ route names the scope it needs (route config `scope`); this hook resolves the
 * request's `Authorization: Bearer <key>` to its grant before anything else runs. 401 without
 * a usable key (malformed, unknown, revoked and expired look the same), 403 without the scope
 * or when the request names another workspace. A route under /ai/ without a scope fails at
 * start-up, so no route can be public by omission.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@opsconductor/kit';
import type { KeyGrant, Scope } from '@opsconductor/db';
import { refuseOtherWorkspace } from './caller';

export interface KeySource {
  resolve(secret: string): Promise<KeyGrant | null>;
}

export const WORKSPACE_HEADER = 'x-workspace-id';

/** A route and the scope it needs, as registered (tests walk every one). */
export interface ScopedRoute {
  method: string;
  url: string;
  scope: Scope;
  /** Honours Idempotency-Key (route config `idempotent`). */
  idempotent: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    scopedRoutes: readonly ScopedRoute[];
  }
}
const BEARER = /^Bearer +(\S+) *$/i;
const CHALLENGE = 'Bearer realm="opsconductor"';

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

export function registerAuth(app: FastifyInstance, opts: { keys: KeySource }): void {
  app.decorateRequest('caller', undefined);
  const routes: ScopedRoute[] = [];
  app.decorate('scopedRoutes', routes);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/ai/')) return;
    const scope = route.config?.scope;
    if (scope === undefined) throw new Error(`route ${String(route.method)} ${route.url} names no scope; every /ai/ route must`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, scope, idempotent: route.config?.idempotent === true });
  });

  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return;
    const secret = bearerOf(request);
    let grant: KeyGrant | null = null;
    if (secret !== undefined) {
      try {
        grant = await opts.keys.resolve(secret);
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'key store unavailable');
        throw new AppError('UNAVAILABLE', 'the key store is unavailable; retry later', { retryAfterS: 1, cause: err });
      }
    }
    if (grant === null) {
      reply.header('www-authenticate', secret === undefined ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`);
      throw new AppError('UNAUTHORIZED', secret === undefined ? 'an API key is required: send Authorization: Bearer <key>' : 'the API key is not valid (unknown, revoked or expired)');
    }
    request.caller = { workspaceId: grant.workspace_id, actorId: grant.actor_id, scopes: grant.scopes, keyId: grant.key_id };
    // The workspace is no secret and tells an operator whose request a line is; the key is never logged.
    request.bindLog({ workspace_id: grant.workspace_id });
    if (!grant.scopes.includes(scope)) {
      reply.header('www-authenticate', `${CHALLENGE}, error="insufficient_scope", scope="${scope}"`);
      throw new AppError('FORBIDDEN', `the API key lacks the scope ${scope}`);
    }
    const named = request.headers[WORKSPACE_HEADER];
    refuseOtherWorkspace(request.caller, Array.isArray(named) ? named.join(',') : named, `headers.${WORKSPACE_HEADER}`);
  });
}
