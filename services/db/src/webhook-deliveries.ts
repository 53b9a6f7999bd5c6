/**
 * The outbox of webhook.post. A job's delivery is claimed (a row keyed by workspace and job id)
 * before the send and marked after it, so a job that runs again finds a delivery that succeeded
 * and answers it instead of posting twice. Sync calls have no job id; each gets its own row.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  workspace_id: string;
  job_id: string | null;
  url: string;
  status: WebhookDeliveryStatus;
  /** The receiver's HTTP status of the last attempt that got an answer. */
  response_status: number | null;
  /** The start of the receiver's answer (the tool keeps 2 KiB). */
  response_body: string | null;
  /** Sends started for this row (a job run again adds one per run that posts). */
  attempts: number;
  /** ISO 8601 (UTC) of the 2xx answer. */
  delivered_at: string | null;
  trace_id: string | null;
}

export interface NewWebhookDelivery {
  workspace_id: string;
  job_id?: string;
  url: string;
  trace_id?: string;
}

const COLUMNS = `id, workspace_id, job_id, url, status, response_status, response_body, attempts,
  to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS delivered_at, trace_id`;

/**
 * The row of this delivery, counting one more attempt: a new one, or the job's existing one. A
 * row already `delivered` is returned unchanged (no attempt counted): the caller answers it and
 * sends nothing.
 */
export async function claimWebhookDelivery(db: Queryable, input: NewWebhookDelivery): Promise<WebhookDelivery> {
  const { rows } = await db.query<WebhookDelivery>(
    `INSERT INTO webhook_deliveries (id, workspace_id, job_id, url, status, attempts, trace_id)
     VALUES ($1, $2, $3, $4, 'pending', 1, $5)
     ON CONFLICT (workspace_id, job_id) WHERE job_id IS NOT NULL DO UPDATE SET
       attempts = webhook_deliveries.attempts + CASE WHEN webhook_deliveries.status = 'delivered' THEN 0 ELSE 1 END
     RETURNING ${COLUMNS}`,
    [randomUUID(), input.workspace_id, input.job_id ?? null, input.url, input.trace_id ?? null],
  );
  return rows[0] as WebhookDelivery;
}

/** Records the outcome of a send: `delivered` with the 2xx answer, or `failed` with what came back. */
export async function recordWebhookOutcome(
  db: Queryable,
  id: string,
  outcome: { delivered: boolean; response_status: number | null; response_body: string | null },
): Promise<WebhookDelivery | undefined> {
  const { rows } = await db.query<WebhookDelivery>(
    `UPDATE webhook_deliveries SET status = $2, response_status = $3, response_body = $4,
       delivered_at = CASE WHEN $5 THEN now() ELSE NULL END
     WHERE id = $1 AND status <> 'delivered'
     RETURNING ${COLUMNS}`,
    [id, outcome.delivered ? 'delivered' : 'failed', outcome.response_status, outcome.response_body, outcome.delivered],
  );
  return rows[0];
}

/** A workspace's deliveries, newest first (for tests and operators; not an API yet). */
export async function listWebhookDeliveries(db: Queryable, workspaceId: string, limit = 50): Promise<WebhookDelivery[]> {
  const { rows } = await db.query<WebhookDelivery>(
    `SELECT ${COLUMNS} FROM webhook_deliveries WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [workspaceId, limit],
  );
  return rows;
}

/**
 * Deletes a workspace's delivery records (the GDPR erase of the whole workspace): their URLs and
 * answers are the workspace's data. Returns how many.
 */
export async function eraseWebhookDeliveries(db: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'WITH d AS (DELETE FROM webhook_deliveries WHERE workspace_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d',
    [workspaceId],
  );
  return rows[0]?.n ?? 0;
}
