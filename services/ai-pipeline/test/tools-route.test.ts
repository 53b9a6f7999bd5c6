import { z } from 'zod';
import { ToolRegistry, defineTool } from '../src/tools/registry';
import { echoTool } from '../src/tools/echo';
import { startService } from './helpers';
import type { TestService } from './helpers';

describe('GET /tools', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.close());

  it('lists every tool, sorted, with the JSON schema of their params', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/tools' });
    expect(res.statusCode).toBe(200);
    const { tools } = res.json<{ tools: Array<Record<string, unknown>> }>();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'email.send', 'gmail.send', 'llm.complete', 'outlook.send', 'task.create', 'webhook.post']);
    const [echo, llm, task] = ['echo', 'llm.complete', 'task.create'].map((name) => tools.find((t) => t.name === name));
    expect(echo).toMatchObject({
      platform: 'builtin',
      keywords: expect.arrayContaining(['ping', 'echo', 'test', 'health']),
      available: true,
      params_schema: {
        type: 'object',
        additionalProperties: false,
        properties: { delay_ms: { type: 'integer', minimum: 0, maximum: 60000 } },
      },
    });
    expect(llm).toMatchObject({
      platform: 'llm',
      params_schema: { type: 'object', properties: { system: { type: 'string' }, temperature: { type: 'number', minimum: 0, maximum: 2 } } },
    });
    expect(task).toMatchObject({
      platform: 'database',
      params_schema: {
        type: 'object',
        additionalProperties: false,
        required: ['title'],
        properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, description: { maxLength: 5000 }, due_date: { type: 'string' }, assignee: { maxLength: 200 } },
      },
    });
  });

  it('shows task.create as unavailable without a database, naming DATABASE_URL', async () => {
    const { tools } = (await service.app.inject({ method: 'GET', url: '/tools' })).json<{ tools: Array<Record<string, unknown>> }>();
    expect(tools.find((t) => t.name === 'task.create')).toMatchObject({ available: false, unavailable_reason: expect.stringContaining('DATABASE_URL') });
  });

  it('shows llm.complete as unavailable, naming AI_BASE_URL, while /ready stays 200', async () => {
    const { tools } = (await service.app.inject({ method: 'GET', url: '/tools' })).json<{ tools: Array<Record<string, unknown>> }>();
    expect(tools.find((t) => t.name === 'llm.complete')).toMatchObject({ available: false, unavailable_reason: expect.stringContaining('AI_BASE_URL') });
    const ready = await service.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true });
  });
});

describe('the tool registry', () => {
  const noop = (name: string, platform = 'builtin') =>
    defineTool({ name, description: 'does nothing', platform, keywords: [], params: z.strictObject({}), execute: async () => 'ok' });

  it('refuses a second tool with the same name', () => {
    const registry = new ToolRegistry([echoTool]);
    expect(() => registry.register(noop('echo'))).toThrow('a tool named "echo" is already registered');
  });

  it('refuses names and platforms that cannot be metric labels', () => {
    expect(() => new ToolRegistry([noop('Has Space')])).toThrow(/tool name/);
    expect(() => new ToolRegistry([noop('fine', 'Free Text!')])).toThrow(/platform/);
  });

  it('lists tools sorted by name', () => {
    expect(new ToolRegistry([noop('zeta'), noop('alpha')]).names()).toEqual(['alpha', 'zeta']);
  });
});
