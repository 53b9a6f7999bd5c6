import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAiPipelineClient } from '../src/client';

/** A real HTTP server that answers POST /plan after 300 ms and never answers POST /execute. */
describe('a deadline shared by the calls of one request', () => {
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url !== '/plan') return; // /execute hangs
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: true, plan: { tool: 'echo', params: {}, planned_by: 'selector' }, trace_id: 't', duration_ms: 300 }));
      }, 300);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives the second call only what the first left, not the whole timeout again', async () => {
    const client = createAiPipelineClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 3000 });
    try {
      const started = Date.now();
      const ctx = { traceId: 't', signal: new AbortController().signal, deadline: started + 1000 };
      const plan = await client.plan({ input: 'ping' }, ctx);
      const execute = client.execute({ input: 'ping', tool: plan.tool, params: plan.params }, ctx);
      await expect(execute).rejects.toMatchObject({ code: 'TIMEOUT' });
      const elapsed = Date.now() - started;
      // Plan (300 ms) + the 700 ms left: 1 s in all; on the client's own timeout, 3.3 s.
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(2500);
    } finally {
      await client.close();
    }
  });
});
