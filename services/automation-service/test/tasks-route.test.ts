import { createTask } from '@opsconductor/db';
import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

describe('GET /ai/tasks', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();
  let tasks: string;

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url });
    tasks = `${service.url}/ai/tasks`;
    for (let n = 0; n < 5; n++) await createTask(service.db, { workspace_id: 'ws-t', title: `task ${n}` });
    await createTask(service.db, { workspace_id: 'ws-other', title: 'not yours' });
  });

  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
  });

  it("pages through the key's workspace only, newest first, with a preview key", async () => {
    const key = await service.keyFor('ws-t', 'reader', ['actions:preview']);
    const seen: Array<{ title: string; workspace_id: string }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const res = await caller.call(`${tasks}${query}`, { headers: key });
      expect(res.status).toBe(200);
      seen.push(...(res.json.tasks as typeof seen));
      cursor = res.json.next_cursor as string | null;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.map((t) => t.title).sort()).toEqual(['task 0', 'task 1', 'task 2', 'task 3', 'task 4']);
    expect(seen.every((t) => t.workspace_id === 'ws-t')).toBe(true);
    const other = await caller.call(tasks, { headers: await service.keyFor('ws-empty', 'nobody', ['actions:preview']) });
    expect(other.json).toEqual({ tasks: [], next_cursor: null });
  });

  it.each([
    ['?limit=0', 'query.limit'],
    ['?limit=101', 'query.limit'],
    ['?limit=abc', 'query.limit'],
    ['?cursor=bm9wZQ', 'query.cursor'],
    ['?status=done', 'query'],
  ])('refuses %s naming %s', async (query, field) => {
    const res = await caller.call(`${tasks}${query}`, { headers: service.auth });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    expect((res.json.error as { details: Array<{ field: string }> }).details.map((d) => d.field)).toEqual([field]);
  });

  it('needs an API key with the preview scope', async () => {
    expect((await caller.call(tasks)).status).toBe(401);
    const adminOnly = await service.keyFor('ws-t', 'ops', ['admin']);
    expect((await caller.call(tasks, { headers: adminOnly })).status).toBe(403);
  });
});
