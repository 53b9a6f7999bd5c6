import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listWebhookDeliveries, migrate, setWorkspaceSettings } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { systemLookup } from '../src/tools/ssrf-guard';
import type { LookupAll } from '../src/tools/ssrf-guard';
import { closedPort, startService } from './helpers';
import type { TestService } from './helpers';

const SECRET = 'test-signing-secret-0123456789';

interface Delivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

/** A real webhook receiver on 127.0.0.1: checks each signature, records each delivery, answers by path. */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const path = req.url ?? '/';
      deliveries.push({ path, headers: req.headers, body, signatureValid: verify(String(req.headers['x-opsconductor-signature']), body) });
      if (path === '/slow') return; // never answers: the caller's deadline must end it
      if (path === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(200 * 1024));
        return;
      }
      const status = Number(/^\/status\/(\d{3})$/.exec(path)?.[1] ?? 200);
      res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : { 'content-type': 'text/plain' });
      res.end(`answer ${status} to ${path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function verify(header: string, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const [, t, mac] = match as unknown as [string, string, string];
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
}

interface Answer {
  status: number;
  body: { success: boolean; output?: Record<string, unknown>; error?: { code: string; message: string; retryable: boolean; details?: Array<{ field: string }> } };
}

describe('webhook.post', () => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let service: TestService;
  let strict: TestService;
  let lookups = 0;
  // rebind.test answers the receiver's address once, then an address no check would pass.
  const rebindingLookup: LookupAll = async (hostname) => {
    if (hostname !== 'rebind.test') return systemLookup(hostname);
    lookups += 1;
    return [{ address: lookups === 1 ? '127.0.0.1' : '10.255.255.1', family: 4 }];
  };

  beforeAll(async () => {
    database = await freshPostgres();
    await migrate(database.db);
    receiver = await startReceiver();
    service = await startService({
      db: database.db,
      webhook: { signingSecret: SECRET, allowPrivateHosts: ['127.0.0.1', 'localhost', 'rebind.test'], timeoutMs: 500, lookup: rebindingLookup },
    });
    // As deployed: no private host allowed.
    strict = await startService({ db: database.db, webhook: { signingSecret: SECRET } });
    await setWorkspaceSettings(database.db, 'ws-hooks', { webhook_hosts: ['127.0.0.1', 'localhost', 'rebind.test'] });
    await setWorkspaceSettings(database.db, 'ws-private', {
      webhook_hosts: ['127.0.0.1', 'localhost', '10.0.0.1', '169.254.169.254', '[::1]', '[::ffff:7f00:1]'],
    });
  });
  afterAll(async () => {
    await service?.close();
    await strict?.close();
    await receiver?.close();
    await database?.drop();
  });

  const post = async (params: unknown, headers: Record<string, string> = { 'x-workspace-id': 'ws-hooks' }, via = service): Promise<Answer> =>
    (await via.execute({ input: 'post a webhook', tool: 'webhook.post', params }, headers)) as unknown as Answer;
  const at = (path: string, host = '127.0.0.1') => `http://${host}:${receiver.port}${path}`;

  it('posts the signed body with the delivery headers and answers the receiver status', async () => {
    const before = receiver.deliveries.length;
    const res = await post({ url: at('/hook?x=1'), body: { event: 'deploy', ok: true }, headers: { 'X-Custom': 'yes' } });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ status: 200, delivered: true, delivery_id: expect.stringMatching(/^[0-9a-f-]{36}$/), response: 'answer 200 to /hook?x=1' });
    const [delivery] = receiver.deliveries.slice(before);
    expect(delivery).toMatchObject({ path: '/hook?x=1', body: '{"event":"deploy","ok":true}', signatureValid: true });
    expect(delivery?.headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'yes', 'x-opsconductor-delivery': res.body.output?.delivery_id });
    expect(delivery?.headers['idempotency-key']).toBeUndefined();
    expect(service.logs.text()).not.toContain(SECRET);
  });

  it('delivers once per job however often the job runs, answering the recorded result', async () => {
    const headers = { 'x-workspace-id': 'ws-hooks', 'x-job-id': 'job-webhook-1' };
    const before = receiver.deliveries.length;
    const first = await post({ url: at('/job', 'localhost'), body: [1, 2, 3] }, headers);
    const again = await post({ url: at('/job', 'localhost'), body: [1, 2, 3] }, headers);
    expect(first.body.output).toEqual({ status: 200, delivered: true, delivery_id: 'job-webhook-1', response: 'answer 200 to /job' });
    expect(again.body.output).toEqual(first.body.output);
    const sent = receiver.deliveries.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers).toMatchObject({ 'idempotency-key': 'job-webhook-1', 'x-opsconductor-delivery': 'job-webhook-1' });
    const rows = await listWebhookDeliveries(database.db, 'ws-hooks');
    expect(rows.filter((r) => r.job_id === 'job-webhook-1')).toMatchObject([{ status: 'delivered', response_status: 200, attempts: 1 }]);
  });

  it('refuses a host that is not on the workspace allowlist (403, permanent), sending nothing', async () => {
    const before = receiver.deliveries.length;
    const notListed = await post({ url: at('/x', '127.0.0.2'), body: {} });
    expect(notListed.status).toBe(403);
    expect(notListed.body.error).toMatchObject({ code: 'FORBIDDEN', retryable: false, message: expect.stringContaining("127.0.0.2 is not on this workspace's webhook allowlist") });
    const noHosts = await post({ url: at('/x'), body: {} }, { 'x-workspace-id': 'ws-without-hooks' });
    expect(noHosts.status).toBe(403);
    expect(receiver.deliveries.length).toBe(before);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['localhost', 'loopback'],
    ['10.0.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['[::1]', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
  ])('refuses %s, a private address, before any connection (403)', async (host, range) => {
    const before = receiver.deliveries.length;
    const res = await post({ url: at('/private', host), body: {} }, { 'x-workspace-id': 'ws-private', 'x-job-id': `job-${range}-${host.length}` }, strict);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', retryable: false, message: expect.stringContaining(`resolves to a private address (${range})`) });
    expect(receiver.deliveries.length).toBe(before);
  });

  it('connects to the address it checked, without resolving again (no DNS rebinding)', async () => {
    lookups = 0;
    const before = receiver.deliveries.length;
    const res = await post({ url: at('/rebind', 'rebind.test'), body: 'hi' });
    expect(res.status).toBe(200);
    expect(lookups).toBe(1);
    expect(receiver.deliveries.slice(before)).toMatchObject([{ path: '/rebind', headers: { host: `rebind.test:${receiver.port}` } }]);
  });

  it.each([
    [500, 503, 'UNAVAILABLE', true],
    [503, 503, 'UNAVAILABLE', true],
    [429, 503, 'UNAVAILABLE', true],
    [400, 502, 'BAD_GATEWAY', false],
    [404, 502, 'BAD_GATEWAY', false],
    [302, 502, 'BAD_GATEWAY', false],
  ])('classifies a receiver %i as %i %s (retryable: %s)', async (answered, status, code, retryable) => {
    const res = await post({ url: at(`/status/${answered}`), body: {} }, { 'x-workspace-id': 'ws-hooks', 'x-job-id': `job-status-${answered}` });
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, retryable, message: expect.stringContaining(`HTTP ${answered}`) });
    // The receiver's body stays in the outbox, out of the error.
    expect(res.body.error?.message).not.toContain(`to /status/${answered}`);
    const [row] = (await listWebhookDeliveries(database.db, 'ws-hooks')).filter((r) => r.job_id === `job-status-${answered}`);
    expect(row).toMatchObject({ status: 'failed', response_status: answered, response_body: `answer ${answered} to /status/${answered}` });
  });

  it('posts again when a job whose delivery failed runs again', async () => {
    const headers = { 'x-workspace-id': 'ws-hooks', 'x-job-id': 'job-retry-500' };
    const before = receiver.deliveries.length;
    await post({ url: at('/status/500'), body: {} }, headers);
    await post({ url: at('/status/500'), body: {} }, headers);
    expect(receiver.deliveries.length - before).toBe(2);
  });

  it('ends a receiver that does not answer at the deadline: 504 TIMEOUT, retryable', async () => {
    const res = await post({ url: at('/slow'), body: {} });
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'TIMEOUT', retryable: true, message: expect.stringContaining('within 500 ms') });
  });

  it('answers 503 UNAVAILABLE, retryable, when nothing listens', async () => {
    const port = await closedPort();
    const res = await post({ url: `http://127.0.0.1:${port}/x`, body: {} });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('keeps the first 2 KiB of a large answer', async () => {
    const res = await post({ url: at('/big'), body: {} });
    expect(res.body.output).toMatchObject({ status: 200, delivered: true, response: 'x'.repeat(2048) });
  });

  it.each([
    [{ url: 'ftp://127.0.0.1/x', body: {} }, 'body.params.url'],
    [{ url: 'http://user:pw@127.0.0.1/x', body: {} }, 'body.params.url'],
    [{ url: `http://127.0.0.1/${'a'.repeat(2048)}`, body: {} }, 'body.params.url'],
    [{ url: 'http://127.0.0.1/x', body: 'b'.repeat(64 * 1024) }, 'body.params.body'],
    [{ url: 'http://127.0.0.1/x' }, 'body.params.body'],
    [{ url: 'http://127.0.0.1/x', body: {}, headers: { Authorization: 'Bearer x' } }, 'body.params.headers'],
    [{ url: 'http://127.0.0.1/x', body: {}, headers: { 'X-Bad': 'a\r\nb' } }, 'body.params.headers.X-Bad'],
    [{ url: 'http://127.0.0.1/x', body: {}, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])) }, 'body.params.headers'],
  ])('refuses bad params (case %#) with 400 naming the field, sending nothing', async (params, field) => {
    const before = receiver.deliveries.length;
    const res = await post(params);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', retryable: false });
    expect(res.body.error?.details?.map((d) => d.field)).toEqual([field]);
    expect(receiver.deliveries.length).toBe(before);
  });

  it('needs a workspace (400)', async () => {
    const res = await post({ url: at('/x'), body: {} }, {});
    expect(res.status).toBe(400);
    expect(res.body.error?.details?.map((d) => d.field)).toEqual(['headers.x-workspace-id']);
  });
});

describe('webhook.post without a signing secret', () => {
  it('shows as unavailable and answers 503, not retryable, naming WEBHOOK_SIGNING_SECRET', async () => {
    const service = await startService();
    try {
      const tools = (await (await fetch(`${service.url}/tools`)).json()) as { tools: Array<{ name: string; available: boolean; unavailable_reason?: string }> };
      expect(tools.tools.find((t) => t.name === 'webhook.post')).toMatchObject({ available: false, unavailable_reason: expect.stringContaining('WEBHOOK_SIGNING_SECRET') });
      const res = await service.execute({ input: 'x', tool: 'webhook.post', params: { url: 'https://hooks.example.com/x', body: {} } }, { 'x-workspace-id': 'ws-a' });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: false, message: expect.stringContaining('WEBHOOK_SIGNING_SECRET') } });
    } finally {
      await service.close();
    }
  });
});
