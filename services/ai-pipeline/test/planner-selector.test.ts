/**
 * The planner without a model (no AI_BASE_URL) and under FEATURE_BYPASS_LLM: the selector's
 * tool among the allowed ones when its params accept {}, else a 400 asking for params.
 */
import { Registry } from 'prom-client';
import { createPipelineMetrics } from '../src/metrics';
import { createSelector } from '../src/selector/selector';
import { createDefaultTools } from '../src/tools';
import { startService } from './helpers';
import type { TestService } from './helpers';

describe('POST /plan without a model', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.close());

  it('plans echo for "ping", with empty params', async () => {
    const res = await service.plan({ input: 'ping' }, { 'x-trace-id': 'sel-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, plan: { tool: 'echo', params: {}, planned_by: 'selector' }, trace_id: 'sel-1', duration_ms: expect.any(Number) });
  });

  it('refuses a tool whose params are required with 400 naming them: send tool and params', async () => {
    const res = await service.plan({ input: 'create a task for the release' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      success: false,
      error: {
        code: 'VALIDATION_ERROR',
        message: 'task.create needs params: send tool and params',
        details: [{ field: 'body.params.title', message: 'required by task.create' }],
        retryable: false,
      },
    });
  });

  it('chooses among the allowed tools only, and answers 400 like /execute when none matches', async () => {
    const fallback = await service.plan({ input: 'bonjour tout le monde' });
    expect(fallback.body).toMatchObject({ plan: { tool: 'llm.complete', params: {}, planned_by: 'selector' } });

    const onlyEcho = await service.plan({ input: 'create a task for the release', tools: ['echo'] });
    expect(onlyEcho.status).toBe(400);
    expect(onlyEcho.body).toMatchObject({
      error: { code: 'VALIDATION_ERROR', message: 'no tool matches the input; name one in "tool"', details: [{ field: 'body.tool', message: 'required here; one of: echo' }] },
    });

    const legacy = await service.plan({ input: 'summarise this article', tools: ['echo', 'llm'] });
    expect(legacy.body).toMatchObject({ plan: { tool: 'llm.complete', planned_by: 'selector' } });
  });

  it('runs the plan for /execute without a tool, and says which plan it ran', async () => {
    const ping = await service.execute({ input: 'ping' });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ success: true, output: 'pong', tool: 'echo', plan: { tool: 'echo', params: {}, planned_by: 'selector' } });

    const task = await service.execute({ input: 'create a task for the release' }, { 'x-workspace-id': 'ws-a' });
    expect(task.status).toBe(400);
    expect(task.body).toMatchObject({ error: { message: 'task.create needs params: send tool and params' } });
    expect(task.body).not.toHaveProperty('tool');
  });
});

describe('POST /plan under FEATURE_BYPASS_LLM', () => {
  it('plans echo whatever the input, as the canary answers everything with it', async () => {
    const service = await startService({ bypassLlm: true });
    try {
      const res = await service.plan({ input: 'create a task for the release' });
      expect(res.body).toMatchObject({ success: true, plan: { tool: 'echo', params: {}, planned_by: 'bypass' } });
      const run = await service.execute({ input: 'create a task for the release' });
      expect(run.body).toMatchObject({ output: 'create a task for the release', tool: 'echo', plan: { tool: 'echo', planned_by: 'bypass' } });
    } finally {
      await service.close();
    }
  });
});

describe('the selector with an allowed set', () => {
  it('scores only the allowed tools and keeps their choices apart in its cache', () => {
    const selector = createSelector({ registry: createDefaultTools({}), metrics: createPipelineMetrics(new Registry()) });
    expect(selector.select('create a task')?.tool.name).toBe('task.create');
    expect(selector.select('create a task', new Set(['echo', 'llm.complete']))?.tool.name).toBe('llm.complete');
    expect(selector.select('create a task', new Set(['echo']))).toBeUndefined();
    expect(selector.select('create a task')?.tool.name).toBe('task.create');
  });
});
