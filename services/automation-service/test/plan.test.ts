/**
 * The planner through the automation-service: POST /ai/plan previews the action among the
 * workspace's allowlist; POST /ai/execute without a tool plans, checks the planned tool like a
 * named one, then runs it. ai-pipeline is a real HTTP stand-in (fake-pipeline.ts).
 */
import { setWorkspaceSettings } from '@opsconductor/db';
import { ECHO_PLAN, startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';
import { until } from './jobs-service';

type Json = Record<string, unknown>;
const TASK_PLAN = { tool: 'task.create', params: { title: 'Renew the TLS certificate', due_date: '2026-01-09' }, planned_by: 'llm' };

async function auditRows(service: ServiceUnderTest, workspace: string, count: number): Promise<Json[]> {
  let rows: Json[] = [];
  await until(async () => {
    rows = (await service.db.query<Json>('SELECT * FROM action_audit WHERE workspace_id = $1 ORDER BY at', [workspace])).rows;
    return rows.length >= count;
  }, `${count} audit rows of ${workspace}`);
  return rows;
}

describe('POST /ai/plan and POST /ai/execute without a tool', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url });
    await setWorkspaceSettings(service.db, 'ws-listed', { allowed_actions: ['echo', 'task.create'] });
    await setWorkspaceSettings(service.db, 'ws-echo', { allowed_actions: ['echo'] });
    await setWorkspaceSettings(service.db, 'ws-none', { allowed_actions: [] });
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.setPlan({ plan: ECHO_PLAN });
    upstream.behave({ kind: 'pong' });
  });

  const plan = async (workspace: string, body: Json, scopes?: Parameters<ServiceUnderTest['keyFor']>[2]) =>
    caller.call(`${service.url}/ai/plan`, { body, headers: await service.keyFor(workspace, 'alice', scopes) });
  const execute = async (workspace: string, body: Json) => caller.call(`${service.url}/ai/execute`, { body, headers: await service.keyFor(workspace, 'alice') });

  describe('POST /ai/plan', () => {
    it("answers ai-pipeline's plan and runs nothing; a workspace allowing every action sends no tools filter", async () => {
      upstream.setPlan({ plan: TASK_PLAN });
      const before = upstream.received.length;
      const res = await plan('ws-any', { input: 'remind me to renew the TLS certificate on Friday', trace_id: 'plan-trace-1' }, ['actions:preview']);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ success: true, plan: TASK_PLAN, trace_id: 'plan-trace-1', duration_ms: expect.any(Number) });
      const sent = upstream.plans.at(-1);
      expect(sent?.body).toEqual({ input: 'remind me to renew the TLS certificate on Friday' });
      expect(sent?.headers).toMatchObject({ 'x-trace-id': 'plan-trace-1', 'x-workspace-id': 'ws-any' });
      expect(upstream.received.length).toBe(before);
    });

    it("plans among the workspace's own allowlist, and refuses a workspace that allows nothing without asking", async () => {
      expect((await plan('ws-listed', { input: 'remind me' })).status).toBe(200);
      expect(upstream.plans.at(-1)?.body).toEqual({ input: 'remind me', tools: ['echo', 'task.create'] });

      const count = upstream.plans.length;
      const none = await plan('ws-none', { input: 'remind me' });
      expect(none.status).toBe(403);
      expect(none.json).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: 'this workspace allows no actions: there is nothing to plan' } });
      expect(upstream.plans.length).toBe(count);
    });

    it("passes the planner's refusals through: 400 asking for params, 502 for a model answer it refused", async () => {
      upstream.setPlan({
        status: 400,
        body: { success: false, error: { code: 'VALIDATION_ERROR', message: 'task.create needs params: send tool and params', details: [{ field: 'body.params.title', message: 'required by task.create' }], retryable: false } },
      });
      const needs = await plan('ws-any', { input: 'create a task' });
      expect(needs.status).toBe(400);
      expect(needs.json).toMatchObject({ error: { code: 'VALIDATION_ERROR', message: 'task.create needs params: send tool and params', details: [{ field: 'body.params.title' }] } });

      upstream.setPlan({ status: 502, body: { success: false, error: { code: 'BAD_GATEWAY', message: "the planner's answer was not valid JSON", retryable: false } } });
      const bad = await plan('ws-any', { input: 'create a task' });
      expect(bad.status).toBe(502);
      expect(bad.json).toMatchObject({ error: { code: 'BAD_GATEWAY', message: "AI Pipeline failed: 502 BAD_GATEWAY: the planner's answer was not valid JSON" } });
    });

    it('validates its body and needs the actions:preview scope', async () => {
      const withTool = await plan('ws-any', { input: 'x', tool: 'echo' });
      expect(withTool.status).toBe(400);
      expect(withTool.json).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: [{ field: 'body', message: 'unknown field(s): tool' }] } });
      expect((await plan('ws-any', { input: '' })).status).toBe(400);
      expect((await plan('ws-any', { input: 'x' }, ['admin'])).status).toBe(403);
    });
  });

  describe('POST /ai/execute without a tool', () => {
    it('plans, runs the plan, adds it to the answer and audits the planned action', async () => {
      const res = await execute('ws-run', { input: 'ping', trace_id: 'untooled-1' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json)).toEqual(['success', 'output', 'trace_id', 'duration_ms', 'tool', 'plan']);
      expect(res.json).toMatchObject({ success: true, output: 'pong', tool: 'echo', plan: ECHO_PLAN });
      expect(upstream.plans.at(-1)?.body).toEqual({ input: 'ping' });
      expect(upstream.received.at(-1)?.body).toEqual({ input: 'ping', tool: 'echo', params: {} });
      const [row] = await auditRows(service, 'ws-run', 1);
      expect(row).toMatchObject({ event: 'executed', action: 'echo', outcome: 'success', trace_id: 'untooled-1' });
    });

    it('plans among the allowlist, and passes fixed params on to the planner', async () => {
      expect((await execute('ws-listed', { input: 'ping', params: { delay_ms: 1 } })).status).toBe(200);
      expect(upstream.plans.at(-1)?.body).toEqual({ input: 'ping', tools: ['echo', 'task.create'], params: { delay_ms: 1 } });
    });

    it('refuses a planned tool outside the allowlist with 403 naming it, runs nothing, and audits the refusal', async () => {
      upstream.setPlan({ plan: TASK_PLAN });
      const before = upstream.received.length;
      const res = await execute('ws-echo', { input: 'remind me to renew the TLS certificate' });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({
        success: false,
        error: { code: 'FORBIDDEN', message: 'action "task.create" is not allowed in this workspace', details: [{ field: 'plan.tool', message: 'allowed: echo' }] },
        tool: 'task.create',
      });
      expect(upstream.received.length).toBe(before);
      const [row] = await auditRows(service, 'ws-echo', 1);
      expect(row).toMatchObject({ action: 'task.create', outcome: 'error', error_code: 'FORBIDDEN' });
    });

    it('refuses a workspace that allows nothing before planning', async () => {
      const count = upstream.plans.length;
      const res = await execute('ws-none', { input: 'ping' });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: { code: 'FORBIDDEN', details: [{ field: 'body.tool', message: 'required; allowed: none' }] } });
      expect(upstream.plans.length).toBe(count);
    });

    it('answers a failed plan without running anything, counted and audited as an unknown action', async () => {
      upstream.setPlan({ status: 502, body: { success: false, error: { code: 'BAD_GATEWAY', message: 'the planner chose "webhook.post", which is not among the allowed tools: echo', retryable: false } } });
      const before = upstream.received.length;
      const res = await execute('ws-plan-fails', { input: 'post it somewhere' });
      expect(res.status).toBe(502);
      expect(res.json).toMatchObject({ error: { code: 'BAD_GATEWAY', message: expect.stringContaining('the planner chose "webhook.post"') } });
      expect(upstream.received.length).toBe(before);
      const [row] = await auditRows(service, 'ws-plan-fails', 1);
      expect(row).toMatchObject({ action: 'unknown', outcome: 'error', error_code: 'BAD_GATEWAY' });
    });

    it('keeps a named tool as it was: no plan asked, no plan answered', async () => {
      const count = upstream.plans.length;
      const res = await execute('ws-run', { input: 'ping', tool: 'echo' });
      expect(res.json).not.toHaveProperty('plan');
      expect(upstream.plans.length).toBe(count);
    });
  });
});

describe('the planner while ACTIONS_ENABLED=false', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();
  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url, access: { actionsEnabled: false } });
    caller.useHeaders(service.auth);
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
  });

  it('still previews a plan (nothing runs), but refuses an untooled execution before planning', async () => {
    const preview = await caller.call(`${service.url}/ai/plan`, { body: { input: 'ping' } });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({ plan: ECHO_PLAN });
    expect(upstream.plans).toHaveLength(1);

    const run = await caller.call(`${service.url}/ai/execute`, { body: { input: 'ping' } });
    expect(run.status).toBe(503);
    expect(run.json).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect(upstream.plans).toHaveLength(1);
    expect(upstream.received).toHaveLength(0);
  });
});
