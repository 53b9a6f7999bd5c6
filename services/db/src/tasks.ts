/**
 * The tasks of the task.create action. Writing is idempotent by job id: a job that runs again
 * (a lost lease, a replay) gets the task its first run wrote. Listing runs newest first on
 * the (workspace_id, created_at, id) index with a keyset cursor.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database';

export interface Task {
  id: string;
  workspace_id: string;
  title: string;
  description: string | null;
  /** YYYY-MM-DD. */
  due_date: string | null;
  assignee: string | null;
  job_id: string | null;
  /** ISO 8601 in UTC with microseconds, as PostgreSQL keeps it. */
  created_at: string;
  trace_id: string | null;
}

export interface NewTask {
  workspace_id: string;
  title: string;
  description?: string;
  due_date?: string;
  assignee?: string;
  /** The job this task is written for: at most one task per (workspace, job). */
  job_id?: string;
  trace_id?: string;
}

export interface CreatedTask {
  task: Task;
  /** False when the job had written its task already and that one is returned. */
  created: boolean;
}

export interface TaskPage {
  tasks: Task[];
  next_cursor: string | null;
}

export class TaskCursorError extends Error {
  constructor() {
    super('not a cursor returned by this listing');
  }
}

// created_at as text with all six fractional digits: a JS Date keeps milliseconds only, and
// a cursor rounded to them would skip rows created within the same millisecond.
const COLUMNS = `id, workspace_id, title, description, due_date::text AS due_date, assignee, job_id,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, trace_id`;

export async function createTask(db: Queryable, input: NewTask): Promise<CreatedTask> {
  const values = [
    randomUUID(),
    input.workspace_id,
    input.title,
    input.description ?? null,
    input.due_date ?? null,
    input.assignee ?? null,
    input.job_id ?? null,
    input.trace_id ?? null,
  ];
  // Twice at most: the row that made the insert do nothing could be deleted before the SELECT.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const inserted = await db.query<Task>(
      `INSERT INTO tasks (id, workspace_id, title, description, due_date, assignee, job_id, trace_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (workspace_id, job_id) WHERE job_id IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS}`,
      values,
    );
    if (inserted.rows[0]) return { task: inserted.rows[0], created: true };
    const existing = await db.query<Task>(`SELECT ${COLUMNS} FROM tasks WHERE workspace_id = $1 AND job_id = $2`, [input.workspace_id, input.job_id]);
    if (existing.rows[0]) return { task: existing.rows[0], created: false };
  }
  throw new Error(`the task of job ${input.job_id} conflicted on insert but could not be read`);
}

export async function listTasks(db: Queryable, workspaceId: string, page: { limit?: number; cursor?: string } = {}): Promise<TaskPage> {
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError('limit must be 1–100');
  const params: unknown[] = [workspaceId];
  let after = '';
  if (page.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(page.cursor);
    params.push(createdAt, id);
    after = 'AND (created_at, id) < ($2::timestamptz, $3::uuid)';
  }
  params.push(limit + 1);
  const { rows } = await db.query<Task>(
    `SELECT ${COLUMNS} FROM tasks WHERE workspace_id = $1 ${after} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const tasks = rows.slice(0, limit);
  const last = tasks[tasks.length - 1];
  return { tasks, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeCursor(task: Task): string {
  return Buffer.from(JSON.stringify([task.created_at, task.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw new TaskCursorError();
  }
  if (!Array.isArray(value) || value.length !== 2) throw new TaskCursorError();
  const [createdAt, id] = value as unknown[];
  if (typeof createdAt !== 'string' || !CREATED_AT.test(createdAt) || !Number.isFinite(Date.parse(createdAt))) throw new TaskCursorError();
  if (typeof id !== 'string' || !UUID.test(id)) throw new TaskCursorError();
  return [createdAt, id];
}

/**
 * Deletes every task of a workspace (the GDPR erase of the whole workspace); returns how many.
 * Tasks belong to the workspace, not to an actor, so erasing one actor leaves them.
 */
export async function eraseTasks(db: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('WITH d AS (DELETE FROM tasks WHERE workspace_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d', [workspaceId]);
  return rows[0]?.n ?? 0;
}
