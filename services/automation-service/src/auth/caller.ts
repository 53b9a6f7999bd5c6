import type { FastifyRequest } from 'fastify';
import { AppError } from '@opsconductor/kit';
import type { Scope } from '@opsconductor/db';

/** Who is asking, as their API key says: the only source of workspace and actor. */
export interface Caller {
  workspaceId: string;
  actorId: string;
  scopes: readonly Scope[];
  keyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route that names a scope. */
    caller: Caller | undefined;
  }
  interface FastifyContextConfig {
    /** The scope a key needs for this route; every /ai/ route must name one. */
    scope?: Scope;
  }
}

/** The authenticated caller of a route that names a scope. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === undefined) throw new AppError('UNAUTHORIZED', 'an API key is required: send Authorization: Bearer <key>');
  return request.caller;
}

/**
 * A workspace a request names itself (a header or a body field) must be the key's: naming
 * another one is refused, never silently replaced.
 */
export function refuseOtherWorkspace(caller: Caller, named: string | undefined, where: string): void {
  if (named !== undefined && named !== caller.workspaceId) {
    throw new AppError('FORBIDDEN', `${where} names another workspace than the API key's`, { details: [{ field: where, message: "must be the API key's workspace or absent" }] });
  }
}
