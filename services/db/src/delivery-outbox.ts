/**
 * The outbox an action with a side effect writes around its send (webhook.post, email.send).
 * A job's delivery is claimed (a row keyed by workspace and job id) before the send and marked
 * after it, so a job that runs again finds a delivery that succeeded and answers it instead of
 * sending twice. Sync calls have no job id; each gets its own row.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** The columns every outbox table shares; each adds the column that says where the send went. */
export interface Delivery {
  id: string;
  workspace_id: string;
  job_id: string | null;
  status: DeliveryStatus;
  /** The receiver's status of the last attempt that got an answer (HTTP status, SMTP reply code). */
  response_status: number | null;
  /** The start of the receiver's answer (the tools keep 2 KiB). */
  response_body: string | null;
  /** Sends started for this row (a job run again adds one per run that sends). */
  attempts: number;
  /** ISO 8601 (UTC) of the accepted answer. */
  delivered_at: string | null;
  trace_id: string | null;
}

export interface DeliveryOutcome {
  delivered: boolean;
  response_status: number | null;
  response_body: string | null;
}

export interface NewDelivery<T extends object> {
  workspace_id: string;
  job_id?: string;
  trace_id?: string;
  /** The table's own columns (url; provider and recipients). */
  target: T;
}

export interface DeliveryOutbox<T extends object> {
  /**
   * The row of this delivery, counting one more attempt: a new one, or the job's existing one. A
   * row already `delivered` is returned unchanged (no attempt counted): the caller answers it
   * and sends nothing.
   */
  claim(db: Queryable, input: NewDelivery<T>): Promise<Delivery & T>;
  /** Records the outcome of a send: `delivered` with the accepted answer, or `failed` with what came back. */
  record(db: Queryable, id: string, outcome: DeliveryOutcome): Promise<(Delivery & T) | undefined>;
  /** A workspace's deliveries, newest first. */
  list(db: Queryable, workspaceId: string, limit?: number): Promise<(Delivery & T)[]>;
  /** Deletes a workspace's deliveries (the GDPR erase of the whole workspace). Returns how many. */
  erase(db: Queryable, workspaceId: string): Promise<number>;
}

/**
 * The outbox over `table`, whose own columns are `targetColumns` (in the order `target` lists
 * them). Table and column names come from this package's code only, never from input.
 */
export function deliveryOutbox<T extends object>(table: string, targetColumns: readonly (keyof T & string)[]): DeliveryOutbox<T> {
  const columns = `id, workspace_id, job_id, ${targetColumns.join(', ')}, status, response_status, response_body, attempts,
    to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS delivered_at, trace_id`;
  const targetPlaceholders = targetColumns.map((_, i) => `$${i + 5}`).join(', ');
  type Row = Delivery & T;

  return {
    async claim(db, input) {
      const { rows } = await db.query<Row>(
        `INSERT INTO ${table} (id, workspace_id, job_id, trace_id, ${targetColumns.join(', ')}, status, attempts)
         VALUES ($1, $2, $3, $4, ${targetPlaceholders}, 'pending', 1)
         ON CONFLICT (workspace_id, job_id) WHERE job_id IS NOT NULL DO UPDATE SET
           attempts = ${table}.attempts + CASE WHEN ${table}.status = 'delivered' THEN 0 ELSE 1 END
         RETURNING ${columns}`,
        [randomUUID(), input.workspace_id, input.job_id ?? null, input.trace_id ?? null, ...targetColumns.map((c) => input.target[c])],
      );
      return rows[0] as Row;
    },
    async record(db, id, outcome) {
      const { rows } = await db.query<Row>(
        `UPDATE ${table} SET status = $2, response_status = $3, response_body = $4,
           delivered_at = CASE WHEN $5 THEN now() ELSE NULL END
         WHERE id = $1 AND status <> 'delivered'
         RETURNING ${columns}`,
        [id, outcome.delivered ? 'delivered' : 'failed', outcome.response_status, outcome.response_body, outcome.delivered],
      );
      return rows[0];
    },
    async list(db, workspaceId, limit = 50) {
      const { rows } = await db.query<Row>(`SELECT ${columns} FROM ${table} WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [workspaceId, limit]);
      return rows;
    },
    async erase(db, workspaceId) {
      const { rows } = await db.query<{ n: number }>(`WITH d AS (DELETE FROM ${table} WHERE workspace_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`, [workspaceId]);
      return rows[0]?.n ?? 0;
    },
  };
}
