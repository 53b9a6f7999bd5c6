import { createClient, startGateway, startUpstream, testConfig, startRealGateway, UUID } from './helpers';
import type { RunningGateway, Upstream } from './helpers';

describe('proxying with the real kong.yml', () => {
  let upstream: Upstream;
  let frontend: Upstream;
  let gw: RunningGateway;
  const client = createClient();

  beforeAll(async () => {
    upstream = await startUpstream();
    frontend = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' }).end('<div id="root"></div>');
    });
    gw = await startRealGateway(upstream.port, { frontendPort: frontend.port });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
    await frontend.close();
    await client.close();
  });

  it('forwards POST /ai/execute unchanged (path, query, body) to the stable target', async () => {
    const res = await client.call(`${gw.proxyUrl}/ai/execute?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":"ping"}' });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1);
    expect(seen?.url).toBe('/ai/execute?x=1');
    expect(seen?.body).toBe('{"input":"ping"}');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.host).toBe('automation-service:3003');
    expect(seen?.headers['x-forwarded-path']).toBe('/ai/execute');
  });

  // Every GET and HEAD is routed (the frontend's `/`), so "no route" takes another method.
  it('answers 404 with the envelope for a request no route matches; without a trace its trace id is the X-Request-Id', async () => {
    const res = await client.call(`${gw.proxyUrl}/nope`, { method: 'POST' });
    expect(res.status).toBe(404);
    const body = res.json();
    expect(body).toMatchObject({ success: false, error: { code: 'NOT_FOUND', message: 'no Route matched with those values' } });
    expect(body.trace_id).toMatch(UUID);
    expect(res.headers['x-request-id']).toBe(body.trace_id);
    expect(res.headers['x-trace-id']).toBe(body.trace_id);
  });

  it.each([
    ['the client\'s valid X-Trace-Id', { 'x-trace-id': 'client-7', 'x-request-id': 'req-7' }, 'client-7'],
    ['the client\'s X-Request-Id when it sent no X-Trace-Id', { 'x-request-id': 'req-8' }, 'req-8'],
    ['the X-Request-Id when the X-Trace-Id is not a valid one', { 'x-trace-id': 'not valid!', 'x-request-id': 'req-9' }, 'req-9'],
  ])('gives its own errors as trace id %s', async (_what, headers, expected) => {
    const res = await client.call(`${gw.proxyUrl}/nope`, { method: 'POST', headers });
    expect(res.json().trace_id).toBe(expected);
    expect(res.headers['x-trace-id']).toBe(expected);
    expect(res.headers['x-request-id']).toBe(headers['x-request-id']);
  });

  it('answers 404 when the path matches but the method is not among the route methods', async () => {
    const before = upstream.seen.length;
    const res = await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(upstream.seen.length).toBe(before);
  });

  // Every route of the automation-service (its route table: services/automation-service/test/auth.test.ts),
  // and the kong.yml route that should carry it.
  const JOB = '0190a0a0-0000-7000-8000-000000000000';
  it.each([
    ['POST', '/ai/execute', 'automation-ai'],
    ['POST', '/ai/jobs', 'automation-ai'],
    ['GET', '/ai/jobs?status=pending&limit=5', 'automation-ai'],
    ['GET', `/ai/jobs/${JOB}`, 'automation-ai'],
    ['POST', `/ai/jobs/${JOB}/cancel`, 'automation-ai'],
    ['POST', `/ai/jobs/${JOB}/retry`, 'automation-ai'],
    ['GET', `/ai/jobs/${JOB}/events`, 'automation-ai'],
    ['GET', '/ai/events', 'automation-ai'],
    ['GET', '/ai/queue/dlq?limit=5', 'automation-admin'],
    ['POST', '/ai/queue/dlq/replay', 'automation-admin'],
    ['GET', '/ai/admin/keys', 'automation-admin'],
    ['POST', '/ai/admin/keys', 'automation-admin'],
    ['POST', `/ai/admin/keys/${JOB}/revoke`, 'automation-admin'],
    ['POST', '/ai/admin/erase', 'automation-admin'],
    ['GET', '/ai/audit?limit=5', 'automation-admin'],
  ])('routes %s %s to the automation-service unchanged, with its Authorization header (route %s)', async (method, url, route) => {
    const authorization = `Bearer oc_live_${'A'.repeat(43)}`;
    const before = await client.call(`${gw.statusUrl}/metrics`);
    const counted = (text: string) => Number(new RegExp(`^kong_http_requests_total\\{service="automation-service",route="${route}",code="200"[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const res = await client.call(`${gw.proxyUrl}${url}`, {
      method,
      headers: { authorization, 'x-workspace-id': 'ws-a', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1);
    expect({ method: seen?.method, url: seen?.url }).toEqual({ method, url });
    // Kong has no auth plugin here: the key goes through byte for byte, and so does the workspace header.
    expect(seen?.headers.authorization).toBe(authorization);
    expect(seen?.headers['x-workspace-id']).toBe('ws-a');
    expect(counted((await client.call(`${gw.statusUrl}/metrics`)).text)).toBe(counted(before.text) + 1);
  });

  it.each(['/ai', '/ai/', '/ai/metrics', '/ai/keys', '/admin/keys'])('does not route POST %s, which the automation-service does not serve', async (url) => {
    const before = upstream.seen.length + frontend.seen.length;
    const res = await client.call(`${gw.proxyUrl}${url}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'no Route matched with those values' } });
    expect(upstream.seen.length + frontend.seen.length).toBe(before);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/jobs/0190a0a0-0000-7000-8000-000000000000?tab=events'],
    ['GET', '/assets/index-Bx7a9c1d.js'],
    ['HEAD', '/'],
    // Unknown API paths too: the frontend answers them with a 404 envelope (docs/decisions/frontend.md).
    ['GET', '/ai/metrics'],
    ['GET', '/aix'],
  ])('sends %s %s to the frontend (route frontend), path unchanged, Host of its target', async (method, url) => {
    const before = upstream.seen.length;
    const res = await client.call(`${gw.proxyUrl}${url}`, { method });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-request-id']).toMatch(UUID);
    const seen = frontend.seen.at(-1);
    expect({ method: seen?.method, url: seen?.url, host: seen?.headers.host }).toEqual({ method, url, host: 'frontend:3100' });
    expect(upstream.seen.length).toBe(before);
  });

  it('keeps OPTIONS off the frontend: a preflight of / is not routed', async () => {
    const before = frontend.seen.length;
    expect((await client.call(`${gw.proxyUrl}/`, { method: 'OPTIONS' })).status).toBe(404);
    expect(frontend.seen.length).toBe(before);
  });
});

describe('strip_path and the service path', () => {
  it('removes the matched prefix and joins the rest to the service path', async () => {
    const upstream = await startUpstream();
    const gw = await startGateway(testConfig({ targets: [{ target: upstream.address }], paths: ['/svc'], stripPath: true, servicePath: '/base' }));
    const client = createClient();
    try {
      expect((await client.call(`${gw.proxyUrl}/svc/echo?q=2`)).status).toBe(200);
      expect(upstream.seen[0]?.url).toBe('/base/echo?q=2');
      expect(upstream.seen[0]?.headers['x-forwarded-prefix']).toBe('/svc');
      await client.call(`${gw.proxyUrl}/svc`);
      expect(upstream.seen[1]?.url).toBe('/base');
    } finally {
      await gw.close();
      await upstream.close();
      await client.close();
    }
  });
});

describe('weighted targets', () => {
  it('sends no traffic to a weight-0 target and shares the rest by weight', async () => {
    const [a, b, canary] = await Promise.all([startUpstream(), startUpstream(), startUpstream()]);
    if (!a || !b || !canary) throw new Error('upstreams did not start');
    const gw = await startGateway(
      testConfig({ targets: [{ target: a.address, weight: 100 }, { target: b.address, weight: 100 }, { target: canary.address, weight: 0 }] }),
    );
    const client = createClient();
    try {
      for (let i = 0; i < 20; i += 1) expect((await client.call(`${gw.proxyUrl}/api/x`)).status).toBe(200);
      expect(a.seen.length).toBe(10);
      expect(b.seen.length).toBe(10);
      expect(canary.seen.length).toBe(0);
    } finally {
      await gw.close();
      await Promise.all([a.close(), b.close(), canary.close()]);
      await client.close();
    }
  });
});
