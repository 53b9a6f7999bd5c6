import { closedPort, createClient, startGateway, startUpstream, testConfig } from './helpers';

describe('when the upstream fails', () => {
  const client = createClient();
  afterAll(() => client.close());

  it('answers 502 BAD_GATEWAY when no target accepts the connection, after the retries', async () => {
    const port = await closedPort();
    const gw = await startGateway(testConfig({ targets: [{ target: `127.0.0.1:${port}` }], retries: 2 }));
    try {
      const res = await client.call(`${gw.proxyUrl}/api/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(502);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'BAD_GATEWAY' } });
      expect(res.headers['content-type']).toMatch(/application\/json/);
    } finally {
      await gw.close();
    }
  });

  it('retries a refused connection on the next target, so the request still succeeds', async () => {
    const port = await closedPort();
    const live = await startUpstream();
    const gw = await startGateway(testConfig({ targets: [{ target: `127.0.0.1:${port}` }, { target: live.address }], retries: 1 }));
    try {
      for (let i = 0; i < 4; i += 1) {
        const res = await client.call(`${gw.proxyUrl}/api/x`, { method: 'POST', body: `n=${i}` });
        expect(res.status).toBe(200);
      }
      expect(live.seen.map((s) => s.body)).toEqual(['n=0', 'n=1', 'n=2', 'n=3']);
    } finally {
      await gw.close();
      await live.close();
    }
  });

  it('answers 504 TIMEOUT when the upstream is slower than the service read_timeout', async () => {
    // The upstream never answers; the gateway gives up after read_timeout.
    const slow = await startUpstream(() => undefined);
    const gw = await startGateway(testConfig({ targets: [{ target: slow.address }], readTimeoutMs: 150 }));
    try {
      const started = performance.now();
      const res = await client.call(`${gw.proxyUrl}/api/slow`);
      expect(res.status).toBe(504);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'TIMEOUT', message: 'The upstream server is timing out' } });
      expect(performance.now() - started).toBeLessThan(5000);
      expect(slow.seen.length).toBe(1);
    } finally {
      await gw.close();
      await slow.close();
    }
  });

  it('answers 503 UNAVAILABLE when every target has weight 0', async () => {
    const idle = await startUpstream();
    const gw = await startGateway(testConfig({ targets: [{ target: idle.address, weight: 0 }] }));
    try {
      const res = await client.call(`${gw.proxyUrl}/api/x`);
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
      expect(idle.seen.length).toBe(0);
    } finally {
      await gw.close();
      await idle.close();
    }
  });
});
