import { createCaller } from './helpers';
import { startJobsService } from './jobs-service';
import type { JobsService } from './jobs-service';

type Json = Record<string, unknown>;
const details = (json: Json) => ((json.error as { details?: Array<{ field: string }> }).details ?? []).map((d) => d.field);
const ids = (json: Json) => (json.jobs as Json[]).map((j) => j.job_id as string);

describe('GET /ai/jobs', () => {
  let service: JobsService;
  const caller = createCaller();
  let n = 0;
  let ws: string;
  const list = async (query = '', workspace = ws) => caller.call(`${service.url}/ai/jobs${query}`, { headers: (await service.as(workspace)) });
  const submitMany = async (count: number, workspace = ws): Promise<string[]> => {
    const created: string[] = [];
    // One after the other, so creation order is known.
    for (let i = 0; i < count; i++) {
      const job = await service.store.enqueue({ workspace_id: workspace, actor_id: 'a', action: 'echo', params: { i } });
      created.push(job.job.job_id);
    }
    return created;
  };

  beforeAll(async () => {
    service = await startJobsService();
  });
  beforeEach(() => {
    ws = `ws-${++n}`;
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  it('lists the workspace’s jobs newest first, 100 by default, with next_cursor while more remain', async () => {
    const created = await submitMany(101);
    const first = await list();
    expect(first.status).toBe(200);
    expect(ids(first.json)).toEqual([...created].reverse().slice(0, 100));
    expect(typeof first.json.next_cursor).toBe('string');
    const rest = await list(`?cursor=${first.json.next_cursor as string}`);
    expect(ids(rest.json)).toEqual([created[0]]);
    expect(rest.json.next_cursor).toBeNull();
  });

  it('filters by status', async () => {
    const [a, b] = await submitMany(2);
    await caller.call(`${service.url}/ai/jobs/${a as string}/cancel`, { method: 'POST', headers: (await service.as(ws)) });
    expect(ids((await list('?status=cancelled')).json)).toEqual([a]);
    expect(ids((await list('?status=pending')).json)).toEqual([b]);
    expect(ids((await list('?status=dead')).json)).toEqual([]);
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['limit=', 'query.limit'],
    ['limit=1e2', 'query.limit'],
    ['status=done', 'query.status'],
    ['cursor=not-a-cursor', 'query.cursor'],
    ['sort=asc', 'query'],
  ])('answers 400 VALIDATION_ERROR for ?%s', async (query, field) => {
    const res = await list(`?${query}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    expect(details(res.json)).toEqual([field]);
  });

  it('pages with the cursor while jobs are added, without duplicates or gaps among the jobs that were there', async () => {
    const existing = await submitMany(25);
    const seen: string[] = [];
    let cursor: string | null = null;
    let adding = Promise.resolve<unknown>(undefined);
    do {
      const page = await list(`?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status).toBe(200);
      seen.push(...ids(page.json));
      cursor = page.json.next_cursor as string | null;
      // New jobs land between page reads (and while the next read runs).
      adding = Promise.all([adding, submitMany(2)]);
    } while (cursor !== null);
    await adding;
    expect(new Set(seen).size).toBe(seen.length);
    const oldOnes = seen.filter((id) => existing.includes(id));
    expect(oldOnes).toEqual([...existing].reverse());
    // Jobs added after the first page was read are newer than every one on it: never listed later.
    expect(seen.slice(0, 4)).toEqual([...existing].reverse().slice(0, 4));
  });
});

describe('the dead-letter queue of an admin key\'s workspace', () => {
  let service: JobsService;
  const caller = createCaller();
  const dead = async (workspace: string): Promise<string> => {
    const { job } = await service.store.enqueue({ workspace_id: workspace, actor_id: 'a', action: 'echo', max_attempts: 1 });
    await service.store.fail(await service.claim(job), { code: 'BOOM', message: 'no' }, { retryable: false });
    return job.job_id;
  };
  const dlq = async (query = '', workspace = 'ws-a') => caller.call(`${service.url}/ai/queue/dlq${query}`, { headers: await service.as(workspace) });
  const replay = async (body: unknown, workspace = 'ws-a') => caller.call(`${service.url}/ai/queue/dlq/replay`, { body, headers: await service.as(workspace) });

  beforeAll(async () => {
    service = await startJobsService();
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  it('lists only its own dead jobs, newest first, paged by cursor, and replays one', async () => {
    const order = [await dead('ws-a'), await dead('ws-b'), await dead('ws-a'), await dead('ws-a')];
    const first = await dlq('?limit=2');
    expect(first.status).toBe(200);
    expect(ids(first.json)).toEqual([order[3], order[2]]);
    expect((first.json.jobs as Json[])[0]).toMatchObject({ status: 'dead', workspace_id: 'ws-a', error: { code: 'BOOM' } });
    const second = await dlq(`?limit=2&cursor=${first.json.next_cursor as string}`);
    expect(ids(second.json)).toEqual([order[0]]);
    expect(second.json.next_cursor).toBeNull();
    expect(ids((await dlq('', 'ws-b')).json)).toEqual([order[1]]);

    const res = await replay({ job_id: order[2] });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ job_id: order[2], status: 'pending', attempts: 0 });
    expect(ids((await dlq()).json)).toEqual([order[3], order[0]]);
  });

  it('answers 409 for a job that is not dead, 404 for an unknown or another workspace\'s job, 403 naming another workspace', async () => {
    const { job } = await service.store.enqueue({ workspace_id: 'ws-p', actor_id: 'a', action: 'echo' });
    expect((await replay({ job_id: job.job_id }, 'ws-p')).status).toBe(409);
    const deadId = await dead('ws-q');
    expect((await replay({ job_id: deadId }, 'ws-other')).status).toBe(404);
    expect((await replay({ job_id: '0190a0a0-0000-7000-8000-000000000000' }, 'ws-q')).status).toBe(404);
    const named = await replay({ workspace_id: 'ws-q', job_id: deadId }, 'ws-other');
    expect(named.status).toBe(403);
    expect(named.json).toMatchObject({ error: { code: 'FORBIDDEN', details: [{ field: 'body.workspace_id' }] } });
    expect((await service.store.get('ws-q', deadId))?.status).toBe('dead');
    expect((await replay({ workspace_id: 'ws-q', job_id: deadId }, 'ws-q')).status).toBe(202);
  });

  it.each([
    [{}, ['body.job_id']],
    [{ workspace_id: 'bad id!', job_id: 'x' }, ['body.workspace_id', 'body.job_id']],
    [{ job_id: '0190a0a0-0000-7000-8000-000000000000', force: true }, ['body']],
  ])('answers 400 naming the bad fields of a replay body %j', async (body, fields) => {
    const res = await replay(body);
    expect(res.status).toBe(400);
    expect(details(res.json).sort()).toEqual([...fields].sort());
  });

  it('answers 400 for a bad limit or cursor', async () => {
    expect(details((await dlq('?limit=0')).json)).toEqual(['query.limit']);
    expect(details((await dlq('?cursor=zzz')).json)).toEqual(['query.cursor']);
  });
});
