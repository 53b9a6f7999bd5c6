import { z } from 'zod';
import { ACTION_PATTERN, JOB_STATUSES, WORKSPACE_ID_PATTERN } from '@opsconductor/jobs';

/** Largest `limit` of a listing; also its default. */
export const MAX_PAGE = 100;

/** Idempotency keys: visible ASCII, no spaces, as Idempotency-Key headers usually are (UUIDs, ULIDs…). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_RULE = 'must be 1–255 visible ASCII characters (no spaces)';
export const idempotencyKey = z.string().regex(IDEMPOTENCY_KEY, IDEMPOTENCY_RULE);

/** Job ids are UUID v7 in canonical lower-case form; anything else cannot name a job. */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A Redis stream entry id (`<ms>-<seq>`), the `id:` of every stored event. */
export const EVENT_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;

/** Body of POST /ai/jobs. Unknown fields are refused, so a typo never passes silently. */
export const submitBodySchema = z.strictObject({
  action: z.string().regex(ACTION_PATTERN, 'must be an action name: a lower-case letter, then up to 63 of a-z 0-9 _ . -'),
  params: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int('must be an integer').min(0, 'must be 0–9').max(9, 'must be 0–9').optional(),
  client_request_id: idempotencyKey.optional(),
  max_attempts: z.number().int('must be an integer').min(1, 'must be 1–10').max(10, 'must be 1–10').optional(),
});
export type SubmitBody = z.infer<typeof submitBodySchema>;

/** A query-string integer: digits only, so `limit=1e2` or `limit=` are refused rather than coerced. */
const queryLimit = z
  .string()
  .regex(/^\d{1,6}$/, `must be an integer from 1 to ${MAX_PAGE}`)
  .transform(Number)
  .pipe(z.number().min(1, `must be an integer from 1 to ${MAX_PAGE}`).max(MAX_PAGE, `must be an integer from 1 to ${MAX_PAGE}`))
  .optional();
const queryCursor = z.string().min(1, 'must not be empty').max(1024, 'is not a cursor returned by this listing').optional();

export const listQuerySchema = z.strictObject({
  status: z.enum(JOB_STATUSES, { message: `must be one of ${JOB_STATUSES.join(', ')}` }).optional(),
  limit: queryLimit,
  cursor: queryCursor,
});

export const dlqQuerySchema = z.strictObject({ limit: queryLimit, cursor: queryCursor });

/** A listing with nothing to filter by: GET /ai/tasks. */
export const pageQuerySchema = z.strictObject({ limit: queryLimit, cursor: queryCursor });

/** `workspace_id` is optional: the key names the workspace; when sent, it must be the key's. */
export const replayBodySchema = z.strictObject({
  workspace_id: z.string().max(64, 'must be at most 64 characters').regex(WORKSPACE_ID_PATTERN, 'must be a workspace id').optional(),
  job_id: z.string().regex(JOB_ID_PATTERN, 'must be a job id'),
});

export const eventsQuerySchema = z.strictObject({
  last_event_id: z.string().regex(EVENT_ID_PATTERN, 'must be an event id such as 1718000000000-0').optional(),
});
