import { kongPromtoolFindings } from '@opsconductor/kit/testing';
import { createClient, startRealGateway, startUpstream } from './helpers';
import type { RunningGateway, Upstream } from './helpers';

/**
 * Kong's own metric names break three of promtool's naming lints (a counter without
 * `_total`, gauges ending in `_total`, `ms` in names). Kong exports them exactly so, and
 * dashboards query them, so those findings — and only those — are accepted.
 */

describe('the status listener', () => {
  let upstream: Upstream;
  let gw: RunningGateway;
  const client = createClient();

  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startRealGateway(upstream.port);
    await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: '{"input":"ping"}' });
    await client.call(`${gw.proxyUrl}/ai/execute`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024) });
    await client.call(`${gw.proxyUrl}/`);
    await client.call(`${gw.proxyUrl}/not-routed`, { method: 'POST' });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
    await client.close();
  });

  it("serves Kong's series with Kong's labels on /metrics", async () => {
    const res = await client.call(`${gw.statusUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = res.text;
    expect(text).toContain('kong_http_requests_total{service="automation-service",route="automation-ai",code="200",source="service",workspace="default",consumer=""} 1');
    expect(text).toContain('kong_http_requests_total{service="automation-service",route="automation-ai",code="413",source="kong",workspace="default",consumer=""} 1');
    expect(text).toMatch(/kong_request_latency_ms_count\{service="automation-service",route="automation-ai",workspace="default"\} 2/);
    expect(text).toMatch(/kong_upstream_latency_ms_count\{service="automation-service",route="automation-ai",workspace="default"\} 1/);
    expect(text).toMatch(/kong_kong_latency_ms_bucket\{le="1",service="automation-service"/);
    expect(text).toMatch(/kong_bandwidth_bytes\{service="automation-service",route="automation-ai",direction="ingress",workspace="default",consumer=""\} \d+/);
    expect(text).toContain(`kong_upstream_target_health{upstream="automation-service-upstream",target="automation-service:3003",address="127.0.0.1:${upstream.port}",state="healthchecks_off",subsystem="http"} 1`);
    expect(text).toContain('kong_upstream_target_health{upstream="automation-service-upstream",target="automation-service-canary:3003",address="127.0.0.1:3003",state="healthchecks_off",subsystem="http"} 1');
    // The UI's requests are counted apart from the API's, under the frontend service and route.
    expect(text).toContain('kong_http_requests_total{service="frontend",route="frontend",code="200",source="service",workspace="default",consumer=""} 1');
    expect(text).toMatch(/kong_request_latency_ms_count\{service="frontend",route="frontend",workspace="default"\} 1/);
    expect(text).toContain(`kong_upstream_target_health{upstream="frontend-upstream",target="frontend:3100",address="127.0.0.1:${upstream.port}",state="healthchecks_off",subsystem="http"} 1`);
    expect(text).toMatch(/kong_nginx_connections_total\{node_id="[0-9a-f-]{36}",subsystem="http",state="accepted"\} \d+/);
    expect(text).toContain('kong_datastore_reachable 1');
    // Requests that matched no route are not recorded, as in Kong.
    expect(text).not.toContain('code="404"');
  });

  it('passes promtool check metrics, apart from the naming findings Kong itself has', async () => {
    const { text } = await client.call(`${gw.statusUrl}/metrics`);
    await expect(kongPromtoolFindings(text)).resolves.toEqual({ parsed: true, unexpected: [] });
  });

  it('answers /status with connection counters and /health for readiness waits', async () => {
    const status = await client.call(`${gw.statusUrl}/status`);
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({ database: { reachable: true }, configuration_hash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((status.json().server as { total_requests: number }).total_requests).toBeGreaterThanOrEqual(4);
    expect((await client.call(`${gw.statusUrl}/health`)).status).toBe(200);
    expect((await client.call(`${gw.statusUrl}/status/ready`)).status).toBe(200);
  });
});
