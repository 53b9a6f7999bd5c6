import { listTasks, migrate } from '@opsconductor/db';
import { freshPostgres, withClient } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { startService } from './helpers';
import type { TestService } from './helpers';

describe('per-tool deadlines', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await freshPostgres();
    await migrate(database.db);
    service = await startService({ db: database.db, toolTimeoutMs: 300 });
  });
  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('answers 504 TIMEOUT, retryable and naming the tool, when a tool without a deadline of its own overruns TOOL_TIMEOUT_MS', async () => {
    // A real stall: another session holds the tasks table, so task.create's INSERT waits.
    await withClient(database.url as string, async (holder) => {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
      try {
        const started = Date.now();
        const res = await service.execute({ input: 'x', tool: 'task.create', params: { title: 'stuck' } }, { 'x-workspace-id': 'ws-slow' });
        expect(res.status).toBe(504);
        expect(res.body).toMatchObject({ success: false, tool: 'task.create', error: { code: 'TIMEOUT', retryable: true, message: 'task.create did not finish within 300 ms' } });
        // The answer did not wait for the blocked query.
        expect(Date.now() - started).toBeLessThan(5000);
        expect(await service.scrape()).toMatch(/ai_request_errors_total\{[^}]*tool="task.create"[^}]*error_type="TIMEOUT"[^}]*\} 1/);
      } finally {
        await holder.query('ROLLBACK');
      }
    });
  });

  it("keeps a tool's own deadline: echo may wait the minute its params allow, past TOOL_TIMEOUT_MS", async () => {
    const res = await service.execute({ input: 'ping', tool: 'echo', params: { delay_ms: 600 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, output: 'pong' });
  });

  it('leaves a tool that finishes in time alone', async () => {
    const res = await service.execute({ input: 'x', tool: 'task.create', params: { title: 'quick' } }, { 'x-workspace-id': 'ws-quick' });
    expect(res.status).toBe(200);
    expect((await listTasks(database.db, 'ws-quick')).tasks.map((t) => t.title)).toEqual(['quick']);
  });
});
