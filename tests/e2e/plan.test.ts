/**
 * The planner through the gateway on the real mesh: ai-pipeline's model is a local
 * OpenAI-compatible server started here that plans a task.create. POST /ai/execute with only
 * `input` runs the plan (GET /ai/tasks lists the task); POST /ai/plan previews it and writes
 * nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Mesh } from '@opsconductor/mesh';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';
import { apiCall } from './api-call';
import type { AuthHeaders } from './api-call';

const INPUT = 'remind me to renew the TLS certificate on Friday';
const PLAN = { tool: 'task.create', params: { title: 'Renew the TLS certificate', due_date: '2026-01-09' } };

interface ChatRequest {
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string; schema: { anyOf: Array<{ properties: { tool: { const: string } } }> } } };
}

/** An OpenAI-compatible chat-completions server that answers every call with PLAN as JSON, with usage. */
async function startFakeLlm(): Promise<{ baseUrl: string; received: ChatRequest[]; close(): Promise<void> }> {
  const received: ChatRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString()) as ChatRequest);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-e2e',
          object: 'chat.completion',
          model: 'gpt-4o-mini-2024-07-18',
          choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(PLAN) }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 350, completion_tokens: 28, total_tokens: 378 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let llm: Awaited<ReturnType<typeof startFakeLlm>>;
let testMesh: TestMesh;
let mesh: Mesh;
let WS: AuthHeaders;

beforeAll(async () => {
  llm = await startFakeLlm();
  testMesh = await startTestMesh({ name: 'plan', serviceEnv: { 'ai-pipeline': { AI_BASE_URL: llm.baseUrl } } });
  mesh = testMesh.mesh;
  WS = await testMesh.keyFor('ws-plan', 'alice');
}, 90_000);

afterAll(async () => {
  await testMesh?.stop();
  await llm?.close();
}, 60_000);

const call = (method: string, path: string, body?: unknown) => apiCall(method, `${mesh.urls.gateway}${path}`, body, WS);
const titles = async () => ((await call('GET', '/ai/tasks?limit=100')).json.tasks as Array<{ title: string; due_date: string | null }>).map((t) => `${t.title} ${t.due_date}`);

it('previews the plan at POST /ai/plan without writing anything', async () => {
  const res = await call('POST', '/ai/plan', { input: INPUT });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ success: true, plan: { ...PLAN, planned_by: 'llm' } });
  expect(await titles()).toEqual([]);

  // The model was asked for one action among the tools that can run on this mesh.
  const asked = llm.received.at(-1);
  expect(asked?.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'action_plan' } });
  expect(asked?.response_format?.json_schema?.schema.anyOf.map((b) => b.properties.tool.const)).toContain('task.create');
  expect(asked?.messages.at(-1)).toEqual({ role: 'user', content: INPUT });
});

it('runs the plan for POST /ai/execute with only an input, and GET /ai/tasks lists the task', async () => {
  const res = await call('POST', '/ai/execute', { input: INPUT });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({
    success: true,
    tool: 'task.create',
    output: { created: true, task: { workspace_id: 'ws-plan', title: 'Renew the TLS certificate', due_date: '2026-01-09' } },
    plan: { ...PLAN, planned_by: 'llm' },
  });
  expect(await titles()).toEqual(['Renew the TLS certificate 2026-01-09']);

  // The planner's tokens are counted on ai-pipeline's metrics.
  const metrics = await (await fetch(`${mesh.urls.pipelineMetrics}/metrics`)).text();
  expect(metrics).toMatch(/^ai_llm_tokens_total\{[^}]*type="input"[^}]*\} 700$/m);
});
