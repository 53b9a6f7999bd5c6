import type { FastifyInstance } from 'fastify';
import { AppError, parseInput } from '@opsconductor/kit';
import { listTasks, TaskCursorError } from '@opsconductor/db';
import type { Queryable } from '@opsconductor/db';
import { callerOf } from '../auth/caller';
import { pageQuerySchema } from '../jobs/schemas';

export interface TaskRoutesDeps {
  db: Queryable;
}

/**
 * GET /ai/tasks: the tasks task.create wrote in the API key's workspace, newest first, with an
 * opaque cursor. Another workspace's tasks are never listed; the key is the only source of it.
 */
export function registerTaskRoutes(app: FastifyInstance, deps: TaskRoutesDeps): void {
  app.get('/ai/tasks', { config: { scope: 'actions:preview' } }, async (request) => {
    const caller = callerOf(request);
    const query = parseInput(pageQuerySchema, request.query, 'query');
    try {
      const page = await listTasks(deps.db, caller.workspaceId, { limit: query.limit, cursor: query.cursor });
      return { tasks: page.tasks, next_cursor: page.next_cursor };
    } catch (err) {
      if (err instanceof TaskCursorError) {
        throw new AppError('VALIDATION_ERROR', `invalid query: query.cursor ${err.message}`, { details: [{ field: 'query.cursor', message: err.message }] });
      }
      request.log.warn({ code: (err as { code?: unknown }).code }, 'listing tasks failed');
      throw new AppError('UNAVAILABLE', 'the task store is unavailable; try again', { retryAfterS: 1, cause: err });
    }
  });
}
