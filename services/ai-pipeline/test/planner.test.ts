/**
 * The planner with a model: a local OpenAI-compatible server answers recorded answers (a good
 * plan, malformed JSON, a tool outside the allowed ones, bad params), and every answer is
 * checked before anything runs.
 */
import { listTasks, migrate } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { completion, sample, sendJson, startFakeProvider, startService } from './helpers';
import type { FakeProvider, ReceivedRequest, TestService } from './helpers';

interface Envelope {
  success: false;
  error: { code: string; message: string; retryable: boolean; details?: Array<{ field: string; message: string }> };
}

const INPUT = 'remind me to renew the TLS certificate on Friday';
const GOOD_PLAN = { tool: 'task.create', params: { title: 'Renew the TLS certificate', due_date: '2026-01-09' } };
const USAGE = { prompt_tokens: 412, completion_tokens: 31, total_tokens: 443 };

/** Offered tools, in the order of the schema's anyOf. */
const offeredIn = (call: ReceivedRequest | undefined) => {
  const format = call?.body.response_format as { json_schema: { schema: { anyOf: Array<{ properties: { tool: { const: string } } }> } } };
  return format.json_schema.schema.anyOf.map((branch) => branch.properties.tool.const);
};

describe('POST /plan and untooled /execute with a model', () => {
  let provider: FakeProvider;
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    provider = await startFakeProvider();
    database = await freshPostgres();
    await migrate(database.db);
    service = await startService({ db: database.db, llm: { baseUrl: provider.baseUrl, model: 'gpt-plan' } });
  });
  afterAll(async () => {
    await service.close();
    await provider.close();
    await database.drop();
  });
  beforeEach(() => {
    provider.received.length = 0;
    provider.behave((_req, res) => sendJson(res, 200, completion(JSON.stringify(GOOD_PLAN), { usage: USAGE })));
  });

  const answerWith = (content: string, finishReason?: string) => provider.behave((_req, res) => sendJson(res, 200, completion(content, { finishReason })));

  it('asks the model for one action as JSON, constrained to the available tools, and answers the checked plan without running it', async () => {
    const res = await service.plan({ input: INPUT }, { 'x-trace-id': 'plan-1', 'x-workspace-id': 'ws-plan' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, plan: { ...GOOD_PLAN, planned_by: 'llm' }, trace_id: 'plan-1', duration_ms: expect.any(Number) });

    expect(provider.received).toHaveLength(1);
    const sent = provider.received[0]!.body;
    expect(sent).toMatchObject({ model: 'gpt-plan', temperature: 0, max_tokens: 800 });
    const format = sent.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: { type: string; anyOf: Array<Record<string, unknown>> } } };
    expect(format).toMatchObject({ type: 'json_schema', json_schema: { name: 'action_plan', strict: false, schema: { type: 'object' } } });
    // webhook.post and the email tools are not configured here: never offered.
    expect(offeredIn(provider.received[0])).toEqual(['echo', 'llm.complete', 'task.create']);
    const task = format.json_schema.schema.anyOf[2]!;
    expect(task).toMatchObject({
      type: 'object',
      required: ['tool', 'params'],
      additionalProperties: false,
      properties: { tool: { const: 'task.create' }, params: { type: 'object', required: ['title'], additionalProperties: false } },
    });
    expect(JSON.stringify(format)).not.toContain('$schema');

    const [system, user] = sent.messages as Array<{ role: string; content: string }>;
    expect(user).toEqual({ role: 'user', content: INPUT });
    expect(system?.role).toBe('system');
    expect(system?.content).toMatch(/exactly one action/);
    expect(system?.content).toMatch(/Today is \d{4}-\d{2}-\d{2} \(UTC\)/);
    expect(system?.content).toContain("- task.create: Creates a task with a title, and optionally a description, due date and assignee, in the caller's workspace");
    expect(system?.content).toContain('choose llm.complete with {} as params');
    expect(system?.content).not.toContain('webhook.post');

    // A preview writes nothing; the model's tokens are counted.
    expect((await listTasks(database.db, 'ws-plan', { limit: 10 })).tasks).toHaveLength(0);
    const text = await service.scrape();
    expect(sample(text, 'ai_llm_tokens_total', { model: 'gpt-plan', type: 'input' })).toBe(412);
    expect(sample(text, 'ai_llm_tokens_total', { model: 'gpt-plan', type: 'output' })).toBe(31);
    expect(sample(text, 'ai_requests_total', { tool: 'task.create', status: 'success' })).toBe(0);
  });

  it('offers only the tools the caller may run: legacy names resolved, unregistered ones ignored', async () => {
    const res = await service.plan({ input: INPUT, tools: ['task.create', 'llm', 'gmail.nothing'] });
    expect(res.status).toBe(200);
    expect(offeredIn(provider.received[0])).toEqual(['llm.complete', 'task.create']);
    const [system] = provider.received[0]!.body.messages as Array<{ content: string }>;
    expect(system?.content).toContain('- task.create:');
    expect(system?.content).not.toContain('- echo:');
  });

  it('runs the plan for /execute without a tool, and shows it in the answer', async () => {
    const res = await service.execute({ input: INPUT }, { 'x-workspace-id': 'ws-run' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      tool: 'task.create',
      output: { created: true, task: { workspace_id: 'ws-run', title: 'Renew the TLS certificate', due_date: '2026-01-09' } },
      plan: { ...GOOD_PLAN, planned_by: 'llm' },
    });
    expect((await listTasks(database.db, 'ws-run', { limit: 10 })).tasks.map((t) => t.title)).toEqual(['Renew the TLS certificate']);
    expect(sample(await service.scrape(), 'ai_requests_total', { tool: 'task.create', status: 'success' })).toBe(1);
  });

  it('answers 502, not retryable, when the answer is not JSON, and never repeats the text', async () => {
    const text = 'Sure! I would create a task called "private-words-of-the-model"';
    answerWith(text);
    const res = await service.plan({ input: INPUT }, { 'x-trace-id': 'plan-bad-json' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ success: false, error: { code: 'BAD_GATEWAY', message: "the planner's answer was not valid JSON", retryable: false } });
    expect(JSON.stringify(res.body)).not.toContain('private-words');
    expect(service.logs.text()).not.toContain('private-words');
  });

  it('says so when the JSON was cut off at max_tokens', async () => {
    answerWith('{"tool": "task.create", "params": {"title": "Renew', 'length');
    const res = await service.plan({ input: INPUT });
    expect(res.status).toBe(502);
    expect((res.body as unknown as Envelope).error.message).toBe("the planner's answer was not valid JSON (it was cut off at max_tokens: raise AI_MAX_OUTPUT_TOKENS)");
  });

  it('answers 502 naming the tool and the allowed ones when the model picks a tool outside them, and runs nothing', async () => {
    answerWith(JSON.stringify({ tool: 'webhook.post', params: { url: 'https://evil.example/', body: {} } }));
    const res = await service.execute({ input: INPUT }, { 'x-workspace-id': 'ws-outside' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      error: { code: 'BAD_GATEWAY', message: 'the planner chose "webhook.post", which is not among the allowed tools: echo, llm.complete, task.create', retryable: false },
    });
    expect(res.body.tool).toBeUndefined();

    const limited = await service.plan({ input: INPUT, tools: ['echo'] });
    expect(limited.status).toBe(502);
    expect((limited.body as unknown as Envelope).error.message).toBe('the planner chose "webhook.post", which is not among the allowed tools: echo');

    // A "name" that is really text is not repeated.
    answerWith(JSON.stringify({ tool: `Please ${'run everything '.repeat(20)}`, params: {} }));
    const garbled = await service.plan({ input: INPUT });
    expect((garbled.body as unknown as Envelope).error.message).toBe('the planner chose a tool name that is none of ours, which is not among the allowed tools: echo, llm.complete, task.create');
    expect(JSON.stringify(garbled.body)).not.toContain('run everything');

    answerWith(JSON.stringify({ params: {} }));
    const nameless = await service.plan({ input: INPUT });
    expect(nameless.status).toBe(502);
    expect((nameless.body as unknown as Envelope).error.message).toMatch(/^the planner's answer names no tool/);
    expect(sample(await service.scrape(), 'ai_request_errors_total', { tool: 'unknown', error_type: 'BAD_GATEWAY' })).toBe(1);
  });

  it("answers 502 naming the fields when the params fail the tool's schema, and writes nothing", async () => {
    answerWith(JSON.stringify({ tool: 'task.create', params: { due_date: 'Friday', 'a key the model made up': 1 } }));
    const res = await service.execute({ input: INPUT }, { 'x-workspace-id': 'ws-bad-params' });
    expect(res.status).toBe(502);
    const { error } = res.body as unknown as Envelope;
    expect(error).toMatchObject({ code: 'BAD_GATEWAY', retryable: false });
    expect(error.message).toBe("the planner's params for task.create do not fit its schema: plan.params.title, plan.params.due_date, plan.params");
    expect(error.details).toEqual([
      { field: 'plan.params.title', message: expect.any(String) },
      { field: 'plan.params.due_date', message: 'must be a date as YYYY-MM-DD' },
      { field: 'plan.params', message: 'unknown field(s): ?' },
    ]);
    expect((await listTasks(database.db, 'ws-bad-params', { limit: 10 })).tasks).toHaveLength(0);
  });

  it("passes the provider's failures through with their own retryable flag", async () => {
    provider.behave((_req, res) => sendJson(res, 500, { error: { message: 'overloaded' } }));
    const res = await service.plan({ input: INPUT });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'BAD_GATEWAY', message: 'LLM provider failed (HTTP 500)', retryable: true } });
  });

  it('leaves the model out when the caller fixed the params: the selector picks the tool for them', async () => {
    const res = await service.execute({ input: 'ping', params: { delay_ms: 1 } });
    expect(res.body).toMatchObject({ success: true, output: 'pong', tool: 'echo', plan: { tool: 'echo', params: { delay_ms: 1 }, planned_by: 'selector' } });
    expect(provider.received).toHaveLength(0);
  });

  it('keeps an explicit tool as it was: no plan, no model call', async () => {
    const res = await service.execute({ input: 'ping', tool: 'echo' });
    expect(res.body).toEqual({ success: true, output: 'pong', tool: 'echo', duration_ms: expect.any(Number), trace_id: expect.any(String) });
    expect(provider.received).toHaveLength(0);
  });

  it('validates the body of /plan', async () => {
    const empty = await service.plan({ input: '' });
    expect(empty.status).toBe(400);
    expect((empty.body as unknown as Envelope).error.details?.map((d) => d.field)).toEqual(['body.input']);
    const none = await service.plan({ input: INPUT, tools: ['gmail.nothing'] });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', retryable: false, details: [{ field: 'body.tools' }] } });
    const unknown = await service.plan({ input: INPUT, tool: 'echo' });
    expect(unknown.status).toBe(400);
    expect(provider.received).toHaveLength(0);
  });
});
