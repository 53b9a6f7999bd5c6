import { z } from 'zod';
import { createTask } from '@opsconductor/db';
import type { Queryable, Task } from '@opsconductor/db';
import { defineTool } from './registry';
import type { JsonValue, Tool } from './registry';
import { ToolError } from './tool-error';

const DATE = /^[1-9]\d{3}-\d{2}-\d{2}$/;

/** A real calendar day: 2026-02-30 has the right shape and is still refused. */
function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return Number.isFinite(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

const notBlank = (value: string) => value.trim() !== '';
// A field is named once: a check that fails stops the ones after it (`abort`).
const stop = { abort: true } as const;

const taskParams = z.strictObject({
  title: z.string().min(1, stop).max(200, stop).refine(notBlank, 'must not be blank').describe('What is to be done (1–200 characters)'),
  description: z.string().max(5000).optional().describe('Details (up to 5000 characters)'),
  due_date: z
    .string()
    .regex(DATE, { message: 'must be a date as YYYY-MM-DD', ...stop })
    .refine(isCalendarDate, 'must be a real calendar date')
    .optional()
    .describe('Day it is due, YYYY-MM-DD'),
  assignee: z.string().min(1, stop).max(200, stop).refine(notBlank, 'must not be blank').optional().describe('Who should do it (up to 200 characters)'),
});

export const NO_DATABASE = 'no database is configured: set DATABASE_URL to the PostgreSQL the automation-service uses';
export const NO_WORKSPACE =
  'task.create needs a workspace: call it through the automation-service or the queue-worker, which send X-Workspace-Id';

/**
 * task.create: writes one task in the caller's workspace. A job writes at most one, however
 * often it runs (the task carries the job id); a sync call writes a new one each time. The
 * `input` of the request is not used: the params say everything. Without a database it stays
 * registered, so selection and GET /tools behave the same everywhere, and answers 503.
 */
export function createTaskCreateTool(db: Queryable | undefined): Tool<typeof taskParams> {
  return defineTool({
    name: 'task.create',
    description: "Creates a task with a title, and optionally a description, due date and assignee, in the caller's workspace",
    platform: 'database',
    keywords: ['task', 'tasks', 'todo', 'ticket', 'reminder', 'assign'],
    params: taskParams,
    async execute(params, ctx) {
      if (ctx.workspaceId === undefined) {
        throw new ToolError('VALIDATION_ERROR', NO_WORKSPACE, { details: [{ field: 'headers.x-workspace-id', message: 'required by task.create' }] });
      }
      if (!db) throw new ToolError('UNAVAILABLE', NO_DATABASE, { retryable: false });
      let result;
      try {
        result = await createTask(db, { workspace_id: ctx.workspaceId, ...params, job_id: ctx.jobId, trace_id: ctx.traceId });
      } catch (err) {
        // The SQLSTATE or errno only: a driver's message may quote the values written.
        ctx.logger.warn({ code: (err as { code?: unknown }).code }, 'task.create: the database call failed');
        throw new ToolError('UNAVAILABLE', 'the task store is unavailable; try again', { retryable: true, retryAfterS: 1, cause: err });
      }
      return { task: taskJson(result.task), created: result.created };
    },
    availability: () => (db ? { available: true } : { available: false, reason: NO_DATABASE }),
  });
}

function taskJson(task: Task): { [key: string]: JsonValue } {
  return {
    id: task.id,
    workspace_id: task.workspace_id,
    title: task.title,
    description: task.description,
    due_date: task.due_date,
    assignee: task.assignee,
    job_id: task.job_id,
    created_at: task.created_at,
    trace_id: task.trace_id,
  };
}
