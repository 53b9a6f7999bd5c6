import type { JobStatus } from './job';

/**
 * Codes a store call can fail with. The names match the kit's envelope codes where one exists
 * (NOT_FOUND 404, CONFLICT 409, RATE_LIMITED 429, VALIDATION_ERROR 400), so the API maps them
 * one to one; LEASE_LOST is for workers only (their lease was reaped or never theirs).
 */
export const JOB_ERROR_CODES = ['NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'LEASE_LOST', 'VALIDATION_ERROR'] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

/** A refused store operation. Branch on `code`; `status` is the job's current status when known. */
export class JobError extends Error {
  readonly code: JobErrorCode;
  readonly status: JobStatus | undefined;
  readonly field: string | undefined;

  constructor(code: JobErrorCode, message: string, opts: { status?: JobStatus; field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'JobError';
    this.code = code;
    this.status = opts.status;
    this.field = opts.field;
  }
}

export function isJobError(err: unknown, code?: JobErrorCode): err is JobError {
  return err instanceof JobError && (code === undefined || err.code === code);
}

const MESSAGES: Record<JobErrorCode, (status?: string) => string> = {
  NOT_FOUND: () => 'job not found',
  CONFLICT: (s) => (s ? `the job is ${s}; the transition is not allowed` : 'conflict'),
  RATE_LIMITED: () => 'too many pending jobs in this workspace',
  LEASE_LOST: (s) => `the lease is no longer held (job is ${s ?? 'gone'})`,
  VALIDATION_ERROR: () => 'invalid input',
};

/** Scripts answer `redis.error_reply('<CODE> [status]')`; anything else is rethrown as is. */
export function fromScriptError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const m = /^(?:ERR )?(NOT_FOUND|CONFLICT|RATE_LIMITED|LEASE_LOST)(?: ([a-z]+))?$/.exec(err.message);
  if (!m) return err;
  const code = m[1] as JobErrorCode;
  const status = m[2] as JobStatus | undefined;
  return new JobError(code, MESSAGES[code](status), status ? { status } : {});
}

export function invalid(field: string, message: string): JobError {
  return new JobError('VALIDATION_ERROR', `${field}: ${message}`, { field });
}
