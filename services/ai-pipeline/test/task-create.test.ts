import { listTasks, migrate, openDatabase } from '@opsconductor/db';
import type { Database } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { closedPort, sample, startService } from './helpers';
import type { TestService } from './helpers';

interface TaskAnswer {
  success: true;
  tool: string;
  output: { task: Record<string, unknown>; created: boolean };
}
interface Envelope {
  success: false;
  error: { code: string; message: string; retryable: boolean; details?: Array<{ field: string; message: string }> };
}

const fieldsOf = (body: Record<string, unknown>) => ((body as unknown as Envelope).error.details ?? []).map((d) => d.field);

describe('task.create with a database', () => {
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    database = await freshPostgres();
    await migrate(database.db);
    service = await startService({ db: database.db });
  });
  afterAll(async () => {
    await service.close();
    await database.drop();
  });

  const create = (params: unknown, headers: Record<string, string> = { 'x-workspace-id': 'ws-a' }) =>
    service.execute({ input: 'create a task', tool: 'task.create', params }, headers);

  it("writes the task in the caller's workspace and answers it", async () => {
    const res = await create(
      { title: 'Rotate the API keys', description: 'all of them', due_date: '2026-03-31', assignee: 'dana' },
      { 'x-workspace-id': 'ws-a', 'x-trace-id': 'task-trace-1' },
    );
    expect(res.status).toBe(200);
    const body = res.body as unknown as TaskAnswer;
    expect(body).toMatchObject({ success: true, tool: 'task.create', output: { created: true } });
    expect(body.output.task).toEqual({
      id: expect.any(String),
      workspace_id: 'ws-a',
      title: 'Rotate the API keys',
      description: 'all of them',
      due_date: '2026-03-31',
      assignee: 'dana',
      job_id: null,
      created_at: expect.any(String),
      trace_id: 'task-trace-1',
    });
    const stored = await listTasks(database.db, 'ws-a');
    expect(stored.tasks.map((t) => t.id)).toContain(body.output.task.id);
    expect((await listTasks(database.db, 'ws-b')).tasks).toEqual([]);
  });

  it('writes a new task for each sync call, but one per job however often the job runs', async () => {
    const headers = { 'x-workspace-id': 'ws-idem' };
    await create({ title: 'sync' }, headers);
    await create({ title: 'sync' }, headers);
    const jobHeaders = { ...headers, 'x-job-id': '01890a5d-ac96-774b-bcce-b302099a8057' };
    const first = (await create({ title: 'from a job' }, jobHeaders)).body as unknown as TaskAnswer;
    const again = (await create({ title: 'from a job' }, jobHeaders)).body as unknown as TaskAnswer;
    expect([first.output.created, again.output.created]).toEqual([true, false]);
    expect(again.output.task).toEqual(first.output.task);
    expect(first.output.task.job_id).toBe('01890a5d-ac96-774b-bcce-b302099a8057');
    const titles = (await listTasks(database.db, 'ws-idem')).tasks.map((t) => t.title).sort();
    expect(titles).toEqual(['from a job', 'sync', 'sync']);
  });

  it('refuses a call without a workspace (400, permanent) and writes nothing', async () => {
    const res = await create({ title: 'nowhere' }, {});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', retryable: false, message: expect.stringContaining('task.create needs a workspace') } });
    expect(fieldsOf(res.body)).toEqual(['headers.x-workspace-id']);
  });

  it('refuses malformed context headers, naming each, before any tool runs', async () => {
    const count = async () => (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks')).rows[0]?.n;
    const before = await count();
    const res = await create({ title: 'x' }, { 'x-workspace-id': 'ws a;drop', 'x-job-id': 'j'.repeat(129) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', retryable: false } });
    expect(fieldsOf(res.body)).toEqual(['headers.x-workspace-id', 'headers.x-job-id']);
    expect(await count()).toBe(before);
  });

  it.each([
    [{}, 'body.params.title'],
    [{ title: '' }, 'body.params.title'],
    [{ title: '   ' }, 'body.params.title'],
    [{ title: 't'.repeat(201) }, 'body.params.title'],
    [{ title: 'ok', description: 'd'.repeat(5001) }, 'body.params.description'],
    [{ title: 'ok', due_date: '2026-02-30' }, 'body.params.due_date'],
    [{ title: 'ok', due_date: '31/12/2026' }, 'body.params.due_date'],
    [{ title: 'ok', assignee: 'a'.repeat(201) }, 'body.params.assignee'],
  ])('refuses params %j naming %s', async (params, field) => {
    const res = await create(params, { 'x-workspace-id': 'ws-bad' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', retryable: false } });
    expect(fieldsOf(res.body)).toEqual([field]);
    expect((await listTasks(database.db, 'ws-bad')).tasks).toEqual([]);
  });

  it('refuses an unknown param', async () => {
    const res = await create({ title: 'ok', priority: 'high' }, { 'x-workspace-id': 'ws-bad' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { details: [{ field: 'body.params', message: expect.stringContaining('priority') }] } });
  });

  it('counts its calls under the tool label task.create', async () => {
    expect(sample(await service.scrape(), 'ai_requests_total', { tool: 'task.create', status: 'success' })).toBeGreaterThan(0);
  });
});

describe('task.create without a working database', () => {
  it('answers 503 UNAVAILABLE, not retryable, when no database is configured', async () => {
    const service = await startService();
    try {
      const res = await service.execute({ input: 'x', tool: 'task.create', params: { title: 't' } }, { 'x-workspace-id': 'ws-a' });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: false, message: expect.stringContaining('DATABASE_URL') } });
    } finally {
      await service.close();
    }
  });

  it('answers 503 UNAVAILABLE, retryable, when the database cannot be reached', async () => {
    const port = await closedPort();
    const db: Database = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/none`, maxConnections: 1 });
    const service = await startService({ db });
    try {
      const res = await service.execute({ input: 'x', tool: 'task.create', params: { title: 't' } }, { 'x-workspace-id': 'ws-a' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: true, message: 'the task store is unavailable; try again' } });
    } finally {
      await service.close();
      await db.close();
    }
  });
});
