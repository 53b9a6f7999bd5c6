import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAiPipelineClient } from '../src/client';
import type { AiPipelineClient } from '../src/client';

/** A real HTTP server answering /execute like ai-pipeline, keeping the headers of each call. */
describe('the context of a call', () => {
  const received: http.IncomingHttpHeaders[] = [];
  let server: http.Server;
  let client: AiPipelineClient;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received.push(req.headers);
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: true, output: 'pong', tool: 'echo' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createAiPipelineClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is sent as X-Workspace-Id and X-Job-Id beside the trace id', async () => {
    const signal = new AbortController().signal;
    await client.execute({ input: 'ping' }, { traceId: 't-1', signal, workspaceId: 'ws-a', jobId: 'job-1' });
    expect(received.at(-1)).toMatchObject({ 'x-trace-id': 't-1', 'x-workspace-id': 'ws-a', 'x-job-id': 'job-1' });
  });

  it('sends neither header when the call has no workspace or job', async () => {
    await client.execute({ input: 'ping' }, { traceId: 't-2', signal: new AbortController().signal });
    expect(received.at(-1)).toMatchObject({ 'x-trace-id': 't-2' });
    expect(received.at(-1)).not.toHaveProperty('x-workspace-id');
    expect(received.at(-1)).not.toHaveProperty('x-job-id');
  });
});
