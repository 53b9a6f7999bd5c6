import type { Address } from '../src/target-addresses';
import { createClient, realConfigText, startGateway, startUpstream, testConfig, startRealGateway, UUID } from './helpers';
import type { RunningGateway, Upstream } from './helpers';

/** The real kong.yml, its stable target pointed at a local upstream that sends its own X-Trace-Id. */
describe('plugins of the real kong.yml', () => {
  let upstream: Upstream;
  let gw: RunningGateway;
  const client = createClient();
  const origin = 'http://localhost:3100';

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-trace-id': 'set-by-upstream' }).end('{"ok":true}');
    });
    gw = await startRealGateway(upstream.port);
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
    await client.close();
  });

  describe('correlation-id (X-Request-Id)', () => {
    it('generates an X-Request-Id when none is sent, sends it upstream and echoes it downstream', async () => {
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: '{}' });
      const id = res.headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(upstream.seen.at(-1)?.headers['x-request-id']).toBe(id);
    });

    it('keeps the X-Request-Id the client sent, upstream and downstream', async () => {
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { 'x-request-id': 'req-42' }, body: '{}' });
      expect(res.headers['x-request-id']).toBe('req-42');
      expect(upstream.seen.at(-1)?.headers['x-request-id']).toBe('req-42');
    });
  });

  describe('X-Trace-Id, which the gateway leaves alone', () => {
    it('makes none when the client sent none, and returns the upstream\'s own', async () => {
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(200);
      expect(upstream.seen.at(-1)?.headers).not.toHaveProperty('x-trace-id');
      expect(res.headers['x-trace-id']).toBe('set-by-upstream');
    });

    it.each([
      ['a valid id', 'abc-123-def'],
      ['one the services will replace', 'not a valid trace id!'],
    ])("passes the client's X-Trace-Id upstream as sent (%s)", async (_what, sent) => {
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { 'x-trace-id': sent }, body: '{}' });
      expect(upstream.seen.at(-1)?.headers['x-trace-id']).toBe(sent);
      expect(res.headers['x-trace-id']).toBe('set-by-upstream');
      expect(res.headers['x-request-id']).toMatch(UUID);
    });
  });

  describe('cors', () => {
    it('answers a preflight itself with the configured methods, headers and max age', async () => {
      const before = upstream.seen.length;
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-methods']).toBe('GET,POST,OPTIONS');
      expect(res.headers['access-control-allow-headers']).toBe('Accept,Authorization,Content-Type,Idempotency-Key,X-Trace-Id,X-Request-Id');
      expect(res.headers['access-control-max-age']).toBe('3600');
      expect(res.headers.vary).toBe('Origin');
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(upstream.seen.length).toBe(before);
    });

    it('adds allow-origin and the exposed headers to proxied answers for an allowed origin only', async () => {
      const allowed = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { origin: 'http://127.0.0.1:3100' }, body: '{}' });
      expect(allowed.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3100');
      expect(String(allowed.headers['access-control-expose-headers']).split(',')).toEqual(expect.arrayContaining(['X-Trace-Id', 'X-Request-Id']));
      const other = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('request-size-limiting', () => {
    it('refuses a body over 1 MiB with 413 and the envelope, without calling the upstream', async () => {
      const before = upstream.seen.length;
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-trace-id': 'big-1' },
        body: Buffer.alloc(1024 * 1024 + 1, 'a'),
      });
      expect(res.status).toBe(413);
      expect(res.json()).toEqual({ success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request size limit exceeded' }, trace_id: 'big-1', duration_ms: expect.any(Number) });
      expect(res.headers['x-trace-id']).toBe('big-1');
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(upstream.seen.length).toBe(before);
    });

    it('lets a body of exactly the limit through', async () => {
      const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: Buffer.alloc(1024 * 1024, 'a') });
      expect(res.status).toBe(200);
      expect(upstream.seen.at(-1)?.body.length).toBe(1024 * 1024);
    });
  });

  it("hides Kong's own rate-limit headers (the workspace limit's headers come from the service)", async () => {
    const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(res.headers['x-ratelimit-limit-second']).toBeUndefined();
    expect(res.headers['x-ratelimit-remaining-minute']).toBeUndefined();
    expect(res.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('rate-limiting past the limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After once the minute is used up', async () => {
    const upstream = await startUpstream();
    // 30 s into a minute, pinned so the window cannot roll over mid-test.
    const now = Date.UTC(2025, 0, 1, 12, 0, 30);
    const gw = await startGateway(
      testConfig({ targets: [{ target: upstream.address }], plugins: [{ name: 'rate-limiting', config: { minute: 3, limit_by: 'ip', policy: 'local' } }] }),
      { clock: () => now },
    );
    const client = createClient();
    try {
      const remaining: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const res = await client.call(`${gw.proxyUrl}/api/x`);
        expect(res.status).toBe(200);
        remaining.push(String(res.headers['x-ratelimit-remaining-minute']));
      }
      expect(remaining).toEqual(['2', '1', '0']);
      for (let i = 0; i < 2; i += 1) {
        const res = await client.call(`${gw.proxyUrl}/api/x`);
        expect(res.status).toBe(429);
        expect(res.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED', message: 'API rate limit exceeded' } });
        expect(res.headers['retry-after']).toBe('30');
        expect(res.headers['ratelimit-reset']).toBe('30');
        expect(res.headers['ratelimit-remaining']).toBe('0');
        expect(res.headers['x-ratelimit-limit-minute']).toBe('3');
      }
      expect(upstream.seen.length).toBe(3);
    } finally {
      await gw.close();
      await upstream.close();
      await client.close();
    }
  });

  it("counts the UI's requests apart from the API's (one counter per route), so a page load never uses up the API's second", async () => {
    const upstream = await startUpstream();
    const now = Date.UTC(2025, 0, 1, 12, 0, 10, 500);
    const target: Address = { host: '127.0.0.1', port: upstream.port };
    const gw = await startGateway(realConfigText(), {
      overrides: new Map([
        ['automation-service:3003', target],
        ['frontend:3100', target],
      ]),
      clock: () => now,
    });
    const client = createClient();
    try {
      // kong.yml allows 100 a second per IP: far above what a page load asks (index.html, a few hashed assets).
      const statuses = await Promise.all(Array.from({ length: 101 }, () => client.call(`${gw.proxyUrl}/assets/app.js`).then((r) => r.status)));
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      expect((await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: '{}' })).status).toBe(200);
    } finally {
      await gw.close();
      await upstream.close();
      await client.close();
    }
  });

  it('keeps Retry-After on its 429 when client headers are hidden', async () => {
    const upstream = await startUpstream();
    const now = Date.UTC(2025, 0, 1, 12, 0, 45);
    const gw = await startGateway(
      testConfig({ targets: [{ target: upstream.address }], plugins: [{ name: 'rate-limiting', config: { minute: 1, limit_by: 'ip', policy: 'local', hide_client_headers: true } }] }),
      { clock: () => now },
    );
    const client = createClient();
    try {
      expect((await client.call(`${gw.proxyUrl}/api/x`)).headers['ratelimit-limit']).toBeUndefined();
      const refused = await client.call(`${gw.proxyUrl}/api/x`);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('15');
      expect(refused.headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await gw.close();
      await upstream.close();
      await client.close();
    }
  });
});
