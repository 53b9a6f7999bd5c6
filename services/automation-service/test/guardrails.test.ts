/**
 * The guardrails between a key and an action: the kill switch, the allowlists, the
 * per-workspace rate limit, and the audit rows of what was run or refused.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { setWorkspaceSettings } from '@opsconductor/db';
import { parseAllowlist } from '../src/guardrails/action-policy';
import { WorkspaceRateLimit } from '../src/guardrails/workspace-rate-limit';
import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { createCaller } from './helpers';
import { REDIS_URL, startJobsService, until } from './jobs-service';
import type { JobsService, JobsServiceOptions } from './jobs-service';

type Json = Record<string, unknown>;

async function auditRows(service: JobsService, workspace: string, count: number): Promise<Json[]> {
  let rows: Json[] = [];
  await until(async () => {
    rows = (await service.db.query<Json>('SELECT * FROM action_audit WHERE workspace_id = $1 ORDER BY at, event', [workspace])).rows;
    return rows.length >= count;
  }, `${count} audit rows of ${workspace}`);
  return rows;
}

/**
 * A jobs service in front of a fake ai-pipeline for the enclosing describe, and a caller; the
 * returned getters are valid inside its tests. `setup` runs once the service is up.
 */
function useService(opts: Omit<JobsServiceOptions, 'pipelineUrl'> = {}, setup?: (service: JobsService) => Promise<void>) {
  let service: JobsService | undefined;
  let upstream: FakePipeline | undefined;
  const caller = createCaller();
  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startJobsService({ ...opts, pipelineUrl: upstream.url });
    await setup?.(service);
  });
  afterAll(async () => {
    await caller.close();
    await service?.close();
    await upstream?.close();
  });
  return { caller, service: () => service as JobsService, upstream: () => upstream as FakePipeline };
}

describe('the kill switch (ACTIONS_ENABLED=false)', () => {
  const { caller, service: svc, upstream: up } = useService({ access: { actionsEnabled: false } });

  it('refuses sync and async execution with 503, audits the refusals, and keeps reads working', async () => {
    const headers = await svc().as('ws-k', 'alice');
    const sync = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'ping', tool: 'echo' }, headers });
    const job = await caller.call(`${svc().url}/ai/jobs`, { body: { action: 'echo', params: { to: 'jane@example.com' } }, headers });
    for (const res of [sync, job]) {
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ success: false, error: { code: 'UNAVAILABLE' } });
      expect(res.headers['retry-after']).toBe('60');
    }
    expect(up().received).toHaveLength(0);
    expect((await caller.call(`${svc().url}/ai/jobs`, { headers })).json).toEqual({ jobs: [], next_cursor: null });
    const rows = await auditRows(svc(), 'ws-k', 2);
    expect(rows.map((r) => [r.event, r.action, r.outcome, r.error_code, r.actor_id])).toEqual([
      ['executed', 'echo', 'error', 'UNAVAILABLE', 'alice'],
      ['submitted', 'echo', 'error', 'UNAVAILABLE', 'alice'],
    ]);
    expect(rows[1]?.params_prefix).toBe('{"to":"[redacted:email]"}');
  });
});

describe('allowlists', () => {
  const { caller, service: svc, upstream: up } = useService({ access: { allowActionsDefault: ['echo', 'llm.complete'] } }, async (service) => void (await setWorkspaceSettings(service.db, 'ws-own', { allowed_actions: ['task.create'] })));

  const submit = async (workspace: string, action: string) => caller.call(`${svc().url}/ai/jobs`, { body: { action }, headers: await svc().as(workspace) });

  it('applies ALLOW_ACTIONS_DEFAULT to a workspace without its own list, naming the refused action', async () => {
    expect((await submit('ws-default', 'echo')).status).toBe(202);
    const refused = await submit('ws-default', 'task.create');
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: { code: 'FORBIDDEN', message: 'action "task.create" is not allowed in this workspace', details: [{ field: 'body.action', message: 'allowed: echo, llm.complete' }] } });
    expect((await svc().store.list('ws-default')).jobs.map((j) => j.action)).toEqual(['echo']);
  });

  it('lets a workspace\'s own list replace the default', async () => {
    expect((await submit('ws-own', 'task.create')).status).toBe(202);
    expect((await submit('ws-own', 'echo')).status).toBe(403);
  });

  it('checks the tool of a sync execution, and the planned one when the request names none', async () => {
    const headers = await svc().as('ws-default');
    expect((await caller.call(`${svc().url}/ai/execute`, { body: { input: 'ping', tool: 'echo' }, headers })).status).toBe(200);
    const other = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'x', tool: 'gmail.send' }, headers });
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ error: { message: 'action "gmail.send" is not allowed in this workspace' } });
    // The planner chooses among the allowlist; the planned tool is checked like a named one.
    const unnamed = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'ping' }, headers });
    expect(unnamed.status).toBe(200);
    expect(unnamed.json).toMatchObject({ tool: 'echo', plan: { tool: 'echo' } });
    expect(up().plans.at(-1)?.body).toEqual({ input: 'ping', tools: ['echo', 'llm.complete'] });
    up().setPlan({ plan: { tool: 'task.create', params: { title: 'x' }, planned_by: 'llm' } });
    const planned = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'remind me' }, headers });
    expect(planned.status).toBe(403);
    expect(planned.json).toMatchObject({ error: { message: 'action "task.create" is not allowed in this workspace', details: [{ field: 'plan.tool' }] } });
    expect(up().received).toHaveLength(2);
  });
});

describe('ALLOW_ACTIONS_DEFAULT', () => {
  it('reads `*` or a list, and lets the old name llm allow llm.complete too', () => {
    expect(parseAllowlist(' * ')).toBe('*');
    expect(parseAllowlist('echo, task.create,,echo')).toEqual(['echo', 'task.create']);
    expect(parseAllowlist('echo,llm')).toEqual(['echo', 'llm', 'llm.complete']);
  });
});

describe('the per-workspace rate limit', () => {
  let service: JobsService;
  let limiterRedis: Redis;
  const caller = createCaller();

  beforeAll(async () => {
    limiterRedis = new Redis(REDIS_URL);
    const limiter = new WorkspaceRateLimit({ redis: limiterRedis, keyPrefix: `rl-${randomBytes(4).toString('hex')}` });
    service = await startJobsService({ access: { rateLimit: { limiter, defaultPerMinute: 3 } } });
    await setWorkspaceSettings(service.db, 'ws-big', { rate_limit_per_minute: 5 });
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
    await limiterRedis.quit();
  });

  const list = async (workspace: string) => caller.call(`${service.url}/ai/jobs`, { headers: await service.as(workspace) });

  it('counts each workspace apart, tells the remainder, and answers 429 with Retry-After past the limit', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await list('ws-small'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers['ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(answers[0]?.headers['ratelimit-limit']).toBe('3');
    const refused = answers[3];
    expect(refused?.json).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
    const retryAfter = Number(refused?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await list('ws-other')).status).toBe(200);
  });

  it('uses a workspace\'s own limit', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await list('ws-big')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('does not count requests without a valid key (they are refused first)', async () => {
    for (let i = 0; i < 5; i++) expect((await caller.call(`${service.url}/ai/jobs`)).status).toBe(401);
    expect((await list('ws-fresh')).headers['ratelimit-remaining']).toBe('2');
  });
});

describe('audit rows of the API', () => {
  const { caller, service: svc } = useService();

  it('records executions, submissions and cancellations with hashed, scrubbed params, never the raw params', async () => {
    const headers = await svc().as('ws-audit', 'alice');
    const params = { note: 'call me at jane@example.com', card: '4111 1111 1111 1111' };
    const sync = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'ping', tool: 'echo', params }, headers: { ...headers, 'x-trace-id': 'trace-audit-1' } });
    expect(sync.status).toBe(200);
    const job = (await caller.call(`${svc().url}/ai/jobs`, { body: { action: 'echo', params }, headers })).json;
    expect((await caller.call(`${svc().url}/ai/jobs/${job.job_id as string}/cancel`, { method: 'POST', headers })).status).toBe(200);
    const rows = await auditRows(svc(), 'ws-audit', 3);
    expect(rows.map((r) => [r.event, r.action, r.outcome, r.job_id])).toEqual([
      ['executed', 'echo', 'success', null],
      ['submitted', 'echo', 'success', job.job_id],
      ['cancelled', 'echo', 'success', job.job_id],
    ]);
    expect(rows[0]).toMatchObject({ trace_id: 'trace-audit-1', actor_id: 'alice' });
    expect(Number(rows[0]?.duration_ms)).toBeGreaterThan(0);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain('jane@example.com');
    expect(stored).not.toContain('4111 1111'); // the card as sent (random ids may hold 4111)
    expect(rows[1]?.params_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('Idempotency-Key on every mutating route', () => {
  const { caller, service: svc, upstream: up } = useService();

  it('is honoured by every POST route (POST /ai/jobs through the job store itself)', () => {
    const posts = svc().app.scopedRoutes.filter((r) => r.method === 'POST');
    expect(posts.filter((r) => !r.idempotent).map((r) => r.url)).toEqual(['/ai/jobs']);
  });

  it('runs a sync execution once and replays its answer', async () => {
    const headers = { ...(await svc().as('ws-idem')), 'idempotency-key': 'exec-1' };
    const first = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'ping', tool: 'echo' }, headers });
    const again = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'ping', tool: 'echo' }, headers });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(up().received).toHaveLength(1);
    const other = await caller.call(`${svc().url}/ai/execute`, { body: { input: 'other', tool: 'echo' }, headers });
    expect(other.status).toBe(409);
  });

  it('creates one API key for a retried admin request, and keeps workspaces apart', async () => {
    const body = { actor_id: 'carol', scopes: ['actions:preview'] };
    const headers = { ...(await svc().as('ws-idem', 'root')), 'idempotency-key': 'key-1' };
    const first = await caller.call(`${svc().url}/ai/admin/keys`, { body, headers });
    const again = await caller.call(`${svc().url}/ai/admin/keys`, { body, headers });
    expect(again.json).toEqual(first.json);
    const elsewhere = await caller.call(`${svc().url}/ai/admin/keys`, { body, headers: { ...(await svc().as('ws-idem-2', 'root')), 'idempotency-key': 'key-1' } });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.json.secret).not.toBe(first.json.secret);
    const carols = await svc().db.query('SELECT 1 FROM api_keys WHERE actor_id = $1', ['carol']);
    expect(carols.rows).toHaveLength(2);
  });
});
