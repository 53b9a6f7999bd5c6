import type { FastifyRequest } from 'fastify';
import { AppError } from '@opsconductor/kit';

/**
 * Whose request this is: the workspace and job named by X-Workspace-Id and X-Job-Id.
 *
 * Trusted as sent. ai-pipeline is internal: the gateway routes nothing to it, and only the
 * automation-service (the workspace of the caller's API key) and the queue-worker (the job's
 * workspace and id) call it. Anything that can reach its port can act in any workspace, so
 * that port must stay off every public network.
 */
export interface CallContext {
  workspaceId?: string;
  jobId?: string;
}

/** As the job store spells workspace ids (jobs' WORKSPACE_ID_PATTERN), so every workspace with jobs passes. */
const WORKSPACE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** Job ids are UUIDs today; any short id of safe characters is accepted so other callers can name theirs. */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

const HEADERS = [
  { name: 'x-workspace-id', key: 'workspaceId', pattern: WORKSPACE_ID, rule: 'must be 1–128 characters of A-Z a-z 0-9 _ . - (starting with a letter or digit)' },
  { name: 'x-job-id', key: 'jobId', pattern: JOB_ID, rule: 'must be 1–128 characters of A-Z a-z 0-9 _ . : - (starting with a letter or digit)' },
] as const;

/** The request's context, or 400 VALIDATION_ERROR naming each malformed header (a repeated one included). */
export function callContextOf(request: FastifyRequest): CallContext {
  const context: CallContext = {};
  const details: Array<{ field: string; message: string }> = [];
  for (const header of HEADERS) {
    const value = request.headers[header.name];
    if (value === undefined) continue;
    if (typeof value === 'string' && header.pattern.test(value)) context[header.key] = value;
    else details.push({ field: `headers.${header.name}`, message: header.rule });
  }
  if (details.length) throw new AppError('VALIDATION_ERROR', `invalid ${details.map((d) => d.field).join(', ')}`, { details });
  return context;
}
