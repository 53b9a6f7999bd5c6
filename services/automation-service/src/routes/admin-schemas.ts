import { z } from 'zod';
import { ACTOR_PATTERN, AUDIT_EVENTS, SCOPES } from '@opsconductor/db';
import { ACTION_PATTERN } from '@opsconductor/jobs';

const ACTOR_RULE = 'must be 1–128 characters of A-Z a-z 0-9 _ . @ : -, starting with a letter or digit';
const actorId = z.string().regex(ACTOR_PATTERN, ACTOR_RULE);

/** POST /ai/admin/keys: a key for the admin's own workspace. */
export const createKeyBodySchema = z.strictObject({
  actor_id: actorId,
  scopes: z.array(z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` })).min(1, 'name at least one scope'),
  name: z.string().max(200, 'must be at most 200 characters').optional(),
  expires_in_days: z.number().int('must be an integer').min(1, 'must be 1–3650').max(3650, 'must be 1–3650').optional(),
});

/** POST /ai/admin/erase: one actor's data, or (without actor_id) the whole workspace's. */
export const eraseBodySchema = z.strictObject({
  actor_id: actorId.optional(),
  /** Erasing a whole workspace must be asked for in so many words. */
  confirm_workspace_id: z.string().max(128).optional(),
});

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-11-30T12:00:00Z' }).transform((v) => new Date(v));

export const auditQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .pipe(z.number().min(1, 'must be an integer from 1 to 100').max(100, 'must be an integer from 1 to 100'))
    .optional(),
  cursor: z.string().min(1).max(512).optional(),
  actor_id: actorId.optional(),
  job_id: z.string().max(64).optional(),
  action: z.string().regex(ACTION_PATTERN, 'must be an action name').optional(),
  event: z.enum(AUDIT_EVENTS, { message: `must be one of ${AUDIT_EVENTS.join(', ')}` }).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
});
