import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { invalid } from './errors';
import { ACTION_PATTERN, JOB_STATUSES, type JobStatus, type TraceContext } from './job';
import { WORKSPACE_ID_PATTERN } from './keys';

/** What a caller submits. snake_case like the API body and the job record. */
export interface EnqueueInput {
  workspace_id: string;
  actor_id: string;
  action: string;
  /** Any JSON value; default `{}`. */
  params?: unknown;
  /** 0–9, default 5. */
  priority?: number;
  /** 1–100, default 5. */
  max_attempts?: number;
  /** Idempotency key: the same key in the same workspace within the TTL returns the same job. */
  client_request_id?: string;
  trace?: TraceContext;
}

export interface NormalizedInput {
  workspace_id: string;
  actor_id: string;
  action: string;
  params: unknown;
  priority: number;
  max_attempts: number;
  client_request_id: string | undefined;
  trace: TraceContext | undefined;
  /** The params as stored (JSON text). */
  params_json: string;
  /** What defines the submission, for a replay of its client_request_id; '' without one. */
  body_hash: string;
}

export function checkWorkspace(workspaceId: string): void {
  if (typeof workspaceId !== 'string' || !WORKSPACE_ID_PATTERN.test(workspaceId)) {
    throw invalid('workspace_id', `must match ${WORKSPACE_ID_PATTERN.source}`);
  }
}

export function checkActorId(actorId: string): void {
  if (typeof actorId !== 'string' || actorId.length < 1 || actorId.length > 128) {
    throw invalid('actor_id', 'must be 1 to 128 characters');
  }
}

export function checkStatus(status: string | undefined): asserts status is JobStatus | undefined {
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    throw invalid('status', `must be one of ${JOB_STATUSES.join(', ')}`);
  }
}

export function checkLimit(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > 100) throw invalid('limit', 'must be an integer from 1 to 100');
  return value;
}

export function intInRange(field: string, value: number | undefined, min: number, max: number, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(field, `must be an integer from ${min} to ${max}`);
  return v;
}

/**
 * Validates a submission. With a client_request_id it also hashes the parts that define it
 * (action, params, priority, max_attempts, canonical JSON) so a replay with another body is
 * detected; without one there is nothing to compare, so nothing is hashed.
 */
export function normalizeInput(input: EnqueueInput): NormalizedInput {
  checkWorkspace(input.workspace_id);
  checkActorId(input.actor_id);
  if (typeof input.action !== 'string' || !ACTION_PATTERN.test(input.action)) {
    throw invalid('action', `must match ${ACTION_PATTERN.source}`);
  }
  const key = input.client_request_id;
  if (key !== undefined && (typeof key !== 'string' || key.length < 1 || key.length > 255)) {
    throw invalid('client_request_id', 'must be 1 to 255 characters');
  }
  const params = input.params === undefined ? {} : input.params;
  const priority = intInRange('priority', input.priority, 0, 9, 5);
  const maxAttempts = intInRange('max_attempts', input.max_attempts, 1, 100, 5);
  const paramsJson = jsonText(params);
  if (paramsJson === undefined) throw invalid('params', 'must be JSON');
  const canonical = key === undefined ? undefined : stringify({ action: input.action, params, priority, max_attempts: maxAttempts });
  return {
    workspace_id: input.workspace_id,
    actor_id: input.actor_id,
    action: input.action,
    params,
    priority,
    max_attempts: maxAttempts,
    client_request_id: key,
    trace: input.trace,
    params_json: paramsJson,
    body_hash: canonical === undefined ? '' : createHash('sha256').update(canonical).digest('hex'),
  };
}

/** JSON.stringify, with undefined for what has no JSON form (a function, a cycle, a BigInt). */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) as string | undefined;
  } catch {
    return undefined;
  }
}
