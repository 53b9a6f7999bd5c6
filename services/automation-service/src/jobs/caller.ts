import type { FastifyRequest } from 'fastify';
import { AppError } from '@opsconductor/kit';
import type { ErrorDetail } from '@opsconductor/kit';
import { WORKSPACE_ID_PATTERN } from '@opsconductor/jobs';

/** Who is asking: until API keys exist (the auth issue), taken from two request headers. */
export interface Caller {
  workspaceId: string;
  actorId: string;
}

export const WORKSPACE_HEADER = 'x-workspace-id';
export const ACTOR_HEADER = 'x-actor-id';

const IDENTITY_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const IDENTITY_RULE = 'must be 1–64 characters of A-Z a-z 0-9 . _ : -';
// The job store also keys Redis by the workspace id and refuses `:` there (its key separator)
// and a leading punctuation mark, so the workspace header is held to both rules.
const WORKSPACE_RULE = 'must be 1–64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit';

function problem(name: string, value: string | string[] | undefined, valid: (v: string) => boolean, rule: string): ErrorDetail | undefined {
  const field = `headers.${name}`;
  if (value === undefined || value === '') return { field, message: 'required' };
  if (Array.isArray(value)) return { field, message: 'must be sent once' };
  return valid(value) ? undefined : { field, message: rule };
}

/**
 * The caller of a /ai/jobs or /ai/events route, or a 400 naming each missing or invalid
 * header. The values are never echoed back: a header is not trusted input to reflect.
 */
export function callerOf(request: FastifyRequest): Caller {
  const workspace = request.headers[WORKSPACE_HEADER];
  const actor = request.headers[ACTOR_HEADER];
  const details = [
    problem(WORKSPACE_HEADER, workspace, (v) => IDENTITY_PATTERN.test(v) && WORKSPACE_ID_PATTERN.test(v), WORKSPACE_RULE),
    problem(ACTOR_HEADER, actor, (v) => IDENTITY_PATTERN.test(v), IDENTITY_RULE),
  ].filter((d): d is ErrorDetail => d !== undefined);
  const first = details[0];
  if (first !== undefined) {
    throw new AppError('VALIDATION_ERROR', `invalid request headers: ${first.field} ${first.message}`, { details });
  }
  return { workspaceId: workspace as string, actorId: actor as string };
}
