/**
 * Reading and erasing the audit trail of one workspace. Pages run newest first on the
 * (workspace_id, at, id) index with a keyset cursor, so page 1,000 costs what page 1 does.
 */
import { AUDIT_EVENTS } from './audit-writer';
import type { AuditEvent } from './audit-writer';
import type { Queryable } from './database';

export interface AuditRecord {
  id: string;
  at: string;
  workspace_id: string;
  actor_id: string;
  action: string;
  event: AuditEvent;
  outcome: 'success' | 'error';
  job_id: string | null;
  trace_id: string | null;
  duration_ms: number | null;
  error_code: string | null;
  params_hash: string | null;
  params_prefix: string | null;
}

export interface AuditFilter {
  workspace_id: string;
  actor_id?: string;
  job_id?: string;
  action?: string;
  event?: AuditEvent;
  /** Rows at or after / before these times. */
  since?: Date;
  until?: Date;
  /** 1–100 (default 50). */
  limit?: number;
  /** From the previous page's next_cursor. */
  cursor?: string;
}

export interface AuditPage {
  rows: AuditRecord[];
  next_cursor: string | null;
}

export class AuditCursorError extends Error {
  constructor() {
    super('not a cursor returned by this listing');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function encodeCursor(row: AuditRecord): string {
  return Buffer.from(JSON.stringify([row.at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [Date, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    const date = new Date(String(at));
    if (typeof id !== 'string' || !UUID.test(id) || !Number.isFinite(date.getTime())) throw new AuditCursorError();
    return [date, id];
  } catch {
    throw new AuditCursorError();
  }
}

interface AuditDbRow extends Omit<AuditRecord, 'at'> {
  at: Date;
}

export async function listAudit(db: Queryable, filter: AuditFilter): Promise<AuditPage> {
  const limit = filter.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError('limit must be 1–100');
  if (filter.event !== undefined && !AUDIT_EVENTS.includes(filter.event)) throw new RangeError(`event must be one of ${AUDIT_EVENTS.join(', ')}`);
  const where = ['workspace_id = $1'];
  const params: unknown[] = [filter.workspace_id];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.actor_id !== undefined) add('actor_id = ?', filter.actor_id);
  if (filter.job_id !== undefined) add('job_id = ?', filter.job_id);
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.event !== undefined) add('event = ?', filter.event);
  if (filter.since !== undefined) add('at >= ?', filter.since);
  if (filter.until !== undefined) add('at < ?', filter.until);
  if (filter.cursor !== undefined) {
    const [at, id] = decodeCursor(filter.cursor);
    params.push(at, id);
    where.push(`(at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(limit + 1);
  const { rows } = await db.query<AuditDbRow>(
    `SELECT id, at, workspace_id, actor_id, action, event, outcome, job_id, trace_id, duration_ms, error_code, params_hash, params_prefix
     FROM action_audit WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit).map((r) => ({ ...r, at: r.at.toISOString() }));
  const last = page[page.length - 1];
  return { rows: page, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Deletes a workspace's audit rows, or only one actor's; returns how many. */
export async function eraseAudit(db: Queryable, workspaceId: string, actorId?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    actorId === undefined
      ? 'WITH d AS (DELETE FROM action_audit WHERE workspace_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d'
      : 'WITH d AS (DELETE FROM action_audit WHERE workspace_id = $1 AND actor_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM d',
    actorId === undefined ? [workspaceId] : [workspaceId, actorId],
  );
  return rows[0]?.n ?? 0;
}
