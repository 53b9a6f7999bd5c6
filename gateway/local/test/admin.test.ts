import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { runWeightsCli } from '../src/weights-cli';
import { KONG_YML, UUID, createClient, realConfigText, startGateway, startUpstream } from './helpers';
import type { RunningGateway, Upstream } from './helpers';

/**
 * The admin listener as the canary rollout drives it: POST /config with kong.yml re-rendered
 * with new target weights, GET /upstreams/{name}/targets to confirm them, real traffic through
 * the proxy to two real upstreams (stable and canary) to see the split follow.
 */

const UPSTREAM = 'automation-service-upstream';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** kong.yml rendered by the CLI with `stable=<s> canary=<c>`. */
function rendered(stableWeight: number, canaryWeight: number): string {
  let out = '';
  const code = runWeightsCli(['--config', KONG_YML, `stable=${stableWeight}`, `canary=${canaryWeight}`], { out: (t) => (out += t), err: () => undefined });
  expect(code).toBe(0);
  return out;
}

describe('the admin listener', () => {
  let stable: Upstream;
  let canary: Upstream;
  let gw: RunningGateway;
  const client = createClient();

  beforeAll(async () => {
    stable = await startUpstream();
    canary = await startUpstream();
  });
  beforeEach(async () => {
    gw = await startRealGatewayWithCanary({ tracing: false });
  });
  afterEach(() => gw.close());
  afterAll(async () => {
    await stable.close();
    await canary.close();
    await client.close();
  });

  function startRealGatewayWithCanary(opts: { tracing: boolean }): Promise<RunningGateway> {
    const overrides = new Map([
      ['automation-service:3003', { host: '127.0.0.1', port: stable.port }],
      ['automation-service-canary:3003', { host: '127.0.0.1', port: canary.port }],
      ['frontend:3100', { host: '127.0.0.1', port: stable.port }],
    ]);
    return startGateway(realConfigText(), { overrides, tracing: opts.tracing });
  }

  /** Sends `n` API requests through the proxy; how many reached each upstream. */
  async function split(n: number): Promise<{ stable: number; canary: number }> {
    const before = { stable: stable.seen.length, canary: canary.seen.length };
    for (let i = 0; i < n; i++) expect((await client.call(`${gw.proxyUrl}/ai/jobs`)).status).toBe(200);
    return { stable: stable.seen.length - before.stable, canary: canary.seen.length - before.canary };
  }

  const postJson = (body: unknown, query = '') =>
    client.call(`${gw.adminUrl}/config${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function targetWeights(): Promise<Record<string, number>> {
    const res = await client.call(`${gw.adminUrl}/upstreams/${UPSTREAM}/targets`);
    expect(res.status).toBe(200);
    const data = res.json().data as Array<{ target: string; weight: number }>;
    return Object.fromEntries(data.map((t) => [t.target, t.weight]));
  }

  const runningHash = async () => (await client.call(`${gw.statusUrl}/status`)).json().configuration_hash;

  it("lists an upstream's targets in Kong's shape, with ids that stay the same across applies", async () => {
    const res = await client.call(`${gw.adminUrl}/upstreams/${UPSTREAM}/targets`);
    expect(res.status).toBe(200);
    const body = res.json() as { data: Array<Record<string, unknown>>; next: unknown };
    expect(body.next).toBeNull();
    const upstream = (await client.call(`${gw.adminUrl}/upstreams/${UPSTREAM}`)).json();
    expect(upstream).toMatchObject({ id: expect.stringMatching(UUID), name: UPSTREAM, algorithm: 'round-robin', tags: ['opsconductor', 'automation-service'] });
    expect(body.data).toEqual([
      {
        id: expect.stringMatching(UUID),
        target: 'automation-service:3003',
        weight: 100,
        tags: ['opsconductor', 'automation-service', 'stable'],
        upstream: { id: upstream.id },
        created_at: expect.any(Number),
        updated_at: expect.any(Number),
      },
      expect.objectContaining({ target: 'automation-service-canary:3003', weight: 0, tags: ['opsconductor', 'automation-service', 'canary'], upstream: { id: upstream.id } }),
    ]);
    expect(body.data[0]?.id).not.toBe(body.data[1]?.id);

    expect((await postJson({ config: rendered(50, 50) })).status).toBe(201);
    const after = (await client.call(`${gw.adminUrl}/upstreams/${UPSTREAM}/targets`)).json().data as Array<{ id: string }>;
    expect(after.map((t) => t.id)).toEqual(body.data.map((t) => t.id));
  });

  it('answers 404 with Kong\'s body for an unknown upstream', async () => {
    for (const path of ['/upstreams/nope/targets', '/upstreams/nope', '/no-such-endpoint']) {
      const res = await client.call(`${gw.adminUrl}${path}`);
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({ message: 'Not found' });
    }
  });

  it('applies new weights live: 50/50 splits the traffic evenly, 0/100 and 100/0 send all of it to one side', async () => {
    expect(await split(10)).toEqual({ stable: 10, canary: 0 });

    const half = rendered(50, 50);
    const res = await postJson({ config: half });
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ _format_version: '3.0', upstreams: [{ name: UPSTREAM }, { name: 'frontend-upstream' }] });
    expect(await targetWeights()).toEqual({ 'automation-service:3003': 50, 'automation-service-canary:3003': 50 });
    expect(await split(10)).toEqual({ stable: 5, canary: 5 });
    expect(await runningHash()).toBe(md5(half));
    expect(gw.gateway.model.configurationHash).toBe(md5(half));

    expect((await postJson({ config: rendered(0, 100) })).status).toBe(201);
    expect(await targetWeights()).toEqual({ 'automation-service:3003': 0, 'automation-service-canary:3003': 100 });
    expect(await split(10)).toEqual({ stable: 0, canary: 10 });

    expect((await postJson({ config: rendered(100, 0) })).status).toBe(201);
    expect(await split(10)).toEqual({ stable: 10, canary: 0 });
  });

  it('keeps the metrics going, per target, after weights change', async () => {
    expect((await postJson({ config: rendered(0, 100) })).status).toBe(201);
    await split(3);
    const metrics = (await client.call(`${gw.statusUrl}/metrics`)).text;
    expect(metrics).toContain(
      `kong_upstream_target_health{upstream="${UPSTREAM}",target="automation-service-canary:3003",address="127.0.0.1:${canary.port}",state="healthchecks_off",subsystem="http"} 1`,
    );
    expect(metrics).toContain('kong_http_requests_total{service="automation-service",route="automation-ai",code="200",source="service",workspace="default",consumer=""} 3');
  });

  it('answers 304 to check_hash=1 when the config is the running one, and applies one that is not', async () => {
    const running = realConfigText();
    const same = await postJson({ config: running }, '?check_hash=1');
    expect(same.status).toBe(304);
    expect(same.text).toBe('');

    const next = rendered(90, 10);
    expect((await postJson({ config: next }, '?check_hash=1')).status).toBe(201);
    expect((await postJson({ config: next }, '?check_hash=1')).status).toBe(304);
    // Without the flag the same config is loaded again (Kong does the same).
    expect((await postJson({ config: next })).status).toBe(201);
    expect(await split(10)).toEqual({ stable: 9, canary: 1 });
  });

  it('takes the config as a form field, as the raw JSON table, or as a raw YAML body', async () => {
    const form = await client.call(`${gw.adminUrl}/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `config=${encodeURIComponent(rendered(0, 100))}`,
    });
    expect(form.status).toBe(201);
    expect(await split(4)).toEqual({ stable: 0, canary: 4 });

    const table = parse(rendered(30, 70)) as Record<string, unknown>;
    const json = await postJson({ ...table, check_hash: '1' });
    expect(json.status).toBe(201);
    expect(await targetWeights()).toEqual({ 'automation-service:3003': 30, 'automation-service-canary:3003': 70 });
    // GET /config gives the running config back as YAML.
    const running = (await client.call(`${gw.adminUrl}/config`)).json().config as string;
    expect(running).toMatch(/^_format_version: "3.0"$/m);
    expect((parse(running) as typeof table).upstreams).toEqual(table.upstreams);

    const yaml = await client.call(`${gw.adminUrl}/config`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: rendered(20, 80) });
    expect(yaml.status).toBe(201);
    expect(await targetWeights()).toEqual({ 'automation-service:3003': 20, 'automation-service-canary:3003': 80 });
    expect((await client.call(`${gw.adminUrl}/config`)).json().config).toBe(rendered(20, 80));
  });

  it('refuses a config that changes more than weights, naming the change, and keeps routing as before', async () => {
    const hash = await runningHash();
    const text = rendered(0, 100).replace('"/ai/whoami"]', '"/ai/whoami", "/ai/new"]').replace('read_timeout: 35000', 'read_timeout: 36000');
    expect(text).toContain('/ai/new');
    const res = await postJson({ config: text });
    expect(res.status).toBe(400);
    const message = res.json().message as string;
    expect(message).toContain('applies only upstream target weights live');
    expect(message).toContain('GATEWAY_CONFIG');
    expect(message).toContain('services[0].read_timeout');
    expect(message).toContain('services[0].routes[0].paths');
    expect(await targetWeights()).toEqual({ 'automation-service:3003': 100, 'automation-service-canary:3003': 0 });
    expect(await split(4)).toEqual({ stable: 4, canary: 0 });
    expect(await runningHash()).toBe(hash);
  });

  it("refuses a config that fails the gateway's checks with Kong's code 14, naming the field, and changes nothing", async () => {
    const hash = await runningHash();
    const tooHeavy = rendered(0, 100).replace('weight: 100', 'weight: 70000');
    const res = await postJson({ config: tooHeavy });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      code: 14,
      name: 'invalid declarative configuration',
      message: expect.stringContaining('upstreams[0].targets[1].weight: value should be between 0 and 65535'),
      fields: { 'upstreams[0].targets[1].weight': 'value should be between 0 and 65535' },
    });

    const notYaml = await postJson({ config: 'upstreams: [unclosed' });
    expect(notYaml.status).toBe(400);
    expect(notYaml.json()).toMatchObject({ code: 14, name: 'invalid declarative configuration', message: expect.stringContaining('YAML') });
    expect(notYaml.text).not.toMatch(/\bat .*\.(ts|js):\d+/);

    const unsupported = await postJson({ config: realConfigText().replace('strip_path: false', 'strip_path: false\n        hosts: [api.example.com]') });
    expect(unsupported.status).toBe(400);
    expect(unsupported.json().fields).toEqual({ 'services[0].routes[0].hosts': 'not implemented by the local gateway' });

    expect(await targetWeights()).toEqual({ 'automation-service:3003': 100, 'automation-service-canary:3003': 0 });
    expect(await split(4)).toEqual({ stable: 4, canary: 0 });
    expect(await runningHash()).toBe(hash);
  });

  it('answers 400 "expected a declarative configuration" when no config is sent', async () => {
    for (const res of [
      await postJson({}),
      await postJson({ config: '' }),
      await client.call(`${gw.adminUrl}/config`, { method: 'POST' }),
    ]) {
      expect(res.status).toBe(400);
      expect(res.json()).toEqual({ message: 'expected a declarative configuration' });
    }
  });

  it('serves /status with the running hash, as the status listener does', async () => {
    const status = (await client.call(`${gw.adminUrl}/status`)).json();
    expect(status).toMatchObject({ database: { reachable: true }, configuration_hash: md5(realConfigText()) });
    expect(await runningHash()).toBe(md5(realConfigText()));
  });

  it('checks a posted config with the tracing option the gateway started with', async () => {
    await gw.close();
    gw = await startRealGatewayWithCanary({ tracing: true });
    const text = realConfigText();
    const withoutPlugin = text.slice(0, text.indexOf('  # One trace per request'));
    const res = await postJson({ config: withoutPlugin });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 14, fields: { plugins: expect.stringContaining('no opentelemetry plugin, but spans are recorded') } });
  });
});
