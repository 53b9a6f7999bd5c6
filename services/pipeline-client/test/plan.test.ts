import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAiPipelineClient } from '../src/client';
import type { AiPipelineClient } from '../src/client';
import { PipelineError } from '../src/errors';

/** A real HTTP server answering POST /plan like ai-pipeline, with the answer each test sets. */
describe('plan()', () => {
  const received: Array<{ url: string; headers: http.IncomingHttpHeaders; body: unknown }> = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  let server: http.Server;
  let client: AiPipelineClient;
  const ctx = () => ({ traceId: 'plan-t', signal: new AbortController().signal, workspaceId: 'ws-p' });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createAiPipelineClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts the request to /plan with the context headers and answers the plan', async () => {
    const plan = { tool: 'task.create', params: { title: 'Renew the certificate' }, planned_by: 'llm' };
    answer = { status: 200, body: { success: true, plan, trace_id: 'plan-t', duration_ms: 3.2 } };
    await expect(client.plan({ input: 'remind me', tools: ['echo', 'task.create'] }, ctx())).resolves.toEqual(plan);
    expect(received.at(-1)).toMatchObject({ url: '/plan', body: { input: 'remind me', tools: ['echo', 'task.create'] } });
    expect(received.at(-1)?.headers).toMatchObject({ 'x-trace-id': 'plan-t', 'x-workspace-id': 'ws-p' });
  });

  it("passes ai-pipeline's refusal through with its code, details and retryable flag", async () => {
    answer = {
      status: 502,
      body: { success: false, error: { code: 'BAD_GATEWAY', message: "the planner's answer was not valid JSON", retryable: false }, trace_id: 'plan-t', duration_ms: 1 },
    };
    const err = await client.plan({ input: 'x' }, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ code: 'BAD_GATEWAY', retryable: false, upstreamStatus: 502 });
  });

  it('refuses a 200 that is not a plan as 502', async () => {
    answer = { status: 200, body: { success: true, plan: { tool: 'Not A Tool', params: {}, planned_by: 'llm' } } };
    await expect(client.plan({ input: 'x' }, ctx())).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
  });
});
