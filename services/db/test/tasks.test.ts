import { createTask, listTasks, TaskCursorError } from '../src/tasks';
import type { Task } from '../src/tasks';
import { DATABASE_KINDS, useMigratedDatabase } from './support/databases';

describe.each(DATABASE_KINDS)('tasks on %s', (_kind, fresh) => {
  const t = useMigratedDatabase(fresh);

  it('writes a task with every field and reads it back as written', async () => {
    const { task, created } = await createTask(t().db, {
      workspace_id: 'ws-a',
      title: 'Renew the TLS certificate',
      description: 'before it expires',
      due_date: '2026-02-28',
      assignee: 'ops@example.com',
      job_id: 'job-1',
      trace_id: 'trace-1',
    });
    expect(created).toBe(true);
    expect(task).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      workspace_id: 'ws-a',
      title: 'Renew the TLS certificate',
      description: 'before it expires',
      due_date: '2026-02-28',
      assignee: 'ops@example.com',
      job_id: 'job-1',
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      trace_id: 'trace-1',
    });
    expect((await listTasks(t().db, 'ws-a')).tasks).toEqual([task]);
  });

  it('writes one task per job: a job run again gets the first task back', async () => {
    const first = await createTask(t().db, { workspace_id: 'ws-j', title: 'once', job_id: 'job-x' });
    const again = await createTask(t().db, { workspace_id: 'ws-j', title: 'once, retried', job_id: 'job-x' });
    expect(again).toEqual({ task: first.task, created: false });
    // Runs at the same moment end the same way.
    const racing = await Promise.all([1, 2, 3].map(() => createTask(t().db, { workspace_id: 'ws-j', title: 'race', job_id: 'job-y' })));
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.task.id)).size).toBe(1);
    // The same job id in another workspace is another job.
    expect((await createTask(t().db, { workspace_id: 'ws-k', title: 'other', job_id: 'job-x' })).created).toBe(true);
    expect((await listTasks(t().db, 'ws-j')).tasks).toHaveLength(2);
  });

  it('writes a new task for each call without a job id', async () => {
    await createTask(t().db, { workspace_id: 'ws-s', title: 'same' });
    await createTask(t().db, { workspace_id: 'ws-s', title: 'same' });
    expect((await listTasks(t().db, 'ws-s')).tasks.map((x) => x.title)).toEqual(['same', 'same']);
  });

  it('pages newest first through every task of the workspace once', async () => {
    // One transaction: every row gets the same now(), so only the id orders them.
    await t().db.transaction(async (tx) => {
      for (let n = 0; n < 4; n++) await createTask(tx, { workspace_id: 'ws-p', title: `tied ${n}` });
    });
    for (let n = 0; n < 3; n++) await createTask(t().db, { workspace_id: 'ws-p', title: `later ${n}` });
    await createTask(t().db, { workspace_id: 'ws-elsewhere', title: 'not listed' });
    const seen: Task[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTasks(t().db, 'ws-p', { limit: 2, cursor });
      expect(page.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.tasks);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((x) => x.id)).size).toBe(7);
    // PGlite's clock may give rapid inserts the same instant, so only the batches' order is certain.
    expect(seen.slice(0, 3).map((x) => x.title).sort()).toEqual(['later 0', 'later 1', 'later 2']);
    const keys = seen.map((x) => [x.created_at, x.id] as const);
    const sorted = [...keys].sort((a, b) => (a[0] === b[0] ? b[1].localeCompare(a[1]) : b[0].localeCompare(a[0])));
    expect(keys).toEqual(sorted);
  });

  it('refuses a forged cursor and a bad limit', async () => {
    await expect(listTasks(t().db, 'ws-p', { cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(TaskCursorError);
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000000Z', 'not-a-uuid'])).toString('base64url');
    await expect(listTasks(t().db, 'ws-p', { cursor: forged })).rejects.toBeInstanceOf(TaskCursorError);
    await expect(listTasks(t().db, 'ws-p', { limit: 0 })).rejects.toThrow('limit');
    await expect(listTasks(t().db, 'ws-p', { limit: 101 })).rejects.toThrow('limit');
  });
});
