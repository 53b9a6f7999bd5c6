import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrate, setWorkspaceSettings } from '@opsconductor/db';
import { freshPglite } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { createMetrics } from '@opsconductor/kit';
import type { KeyedCircuitBreakers } from '@opsconductor/kit';
import { promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { createWebhookBreakers, isReceiverFailure } from '../src/tools/webhook-post';
import { HostRefusedError } from '../src/tools/ssrf-guard';
import type { LookupAll } from '../src/tools/ssrf-guard';
import { ClientClosedError } from '../src/tools/tool-error';
import { closedPort, sample, startService } from './helpers';
import type { TestService } from './helpers';

const SECRET = 'test-signing-secret-0123456789';
const HOSTS = ['dead.test', 'alive.test', 'flaky.test', 'picky.test'];

/** A real receiver on 127.0.0.1, answering the status its path names, counting what reaches it. */
async function startReceiver() {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      const host = (req.headers.host ?? '').split(':')[0]!;
      hits.set(host, (hits.get(host) ?? 0) + 1);
      const status = Number(/^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1] ?? 200);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: (host: string) => hits.get(host) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the webhook circuit breakers, one per host', () => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let deadPort: number;
  let service: TestService;
  let breakers: KeyedCircuitBreakers;
  const registry = createMetrics({ service: 'ai-pipeline-test', version: 'test', defaultMetrics: false }).registry;
  // Every test host is this machine: the dead one on a port nothing listens on.
  const lookup: LookupAll = async () => [{ address: '127.0.0.1', family: 4 }];

  beforeAll(async () => {
    database = await freshPglite();
    await migrate(database.db);
    await setWorkspaceSettings(database.db, 'ws-hooks', { webhook_hosts: HOSTS });
    receiver = await startReceiver();
    deadPort = await closedPort();
    breakers = createWebhookBreakers({ registry, settings: { errorThresholdPercent: 50, volumeThreshold: 3, windowMs: 60_000, resetMs: 60_000 } });
    service = await startService({ db: database.db, webhook: { signingSecret: SECRET, allowPrivateHosts: HOSTS, timeoutMs: 2000, lookup, breakers } });
  });
  afterAll(async () => {
    await service?.close();
    breakers?.shutdown();
    await receiver?.close();
    await database?.drop();
  });

  const post = async (url: string) => {
    const started = performance.now();
    const res = await service.execute({ input: 'post a webhook', tool: 'webhook.post', params: { url, body: { event: 'x' } } }, { 'x-workspace-id': 'ws-hooks' });
    return { ...res, body: res.body as { output?: Record<string, unknown>; error?: { code: string; message: string; retryable: boolean } }, ms: performance.now() - started };
  };
  const at = (host: string, path = '/hook') => `http://${host}:${receiver.port}${path}`;

  it('opens the circuit of a dead host and refuses its deliveries at once, while another host goes on', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post(`http://dead.test:${deadPort}/hook`);
      expect(res.status).toBe(503);
      expect(res.body.error?.message).toBe('could not reach the webhook at dead.test (ECONNREFUSED); try again');
    }
    expect(breakers.state('dead.test')).toBe('open');

    const refused = await post(`http://dead.test:${deadPort}/hook`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.body.error).toEqual({ code: 'UNAVAILABLE', message: 'the webhook at dead.test is failing; calls are refused for 60 s (circuit open)', retryable: true });

    const alive = await post(at('alive.test'));
    expect(alive.status).toBe(200);
    expect(alive.body.output).toMatchObject({ status: 200, delivered: true });
    expect(breakers.state('alive.test')).toBe('closed');

    const text = await registry.metrics();
    expect(sample(text, 'circuit_breaker_state', { breaker: 'webhook', state: 'open' })).toBe(1);
    expect(sample(text, 'circuit_breaker_state', { breaker: 'webhook', state: 'closed' })).toBe(1);
    expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'webhook', result: 'rejected' })).toBe(1);
    expect(text).not.toContain('dead.test');
    await expect(promtoolCheckMetrics(text)).resolves.toBe('');
  });

  it('counts a receiver\'s 5xx answers, not its 4xx: a failing receiver stops getting deliveries, a refusing one does not', async () => {
    for (let i = 0; i < 5; i++) expect((await post(at('picky.test', '/status/404'))).status).toBe(502);
    expect(receiver.hits('picky.test')).toBe(5);
    expect(breakers.state('picky.test')).toBe('closed');

    for (let i = 0; i < 3; i++) expect((await post(at('flaky.test', '/status/503'))).body.error?.message).toBe('the webhook at flaky.test failed (HTTP 503); try again');
    expect(breakers.state('flaky.test')).toBe('open');
    const refused = await post(at('flaky.test', '/status/503'));
    expect(refused.body.error?.message).toMatch(/^the webhook at flaky\.test is failing; calls are refused for \d+ s \(circuit open\)$/);
    expect(receiver.hits('flaky.test')).toBe(3);
  });
});

describe('isReceiverFailure', () => {
  const abortError = (cause: unknown) => Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR', cause });
  it.each([
    ['connection refused', true, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['the lookup failed', true, Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })],
    ['the deadline passed', true, abortError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))],
    ['the caller hung up', false, abortError(new ClientClosedError())],
    ['the caller hung up during the lookup', false, new ClientClosedError()],
    ['a private address', false, new HostRefusedError('intranet.test', 'private')],
  ])('%s → counted: %s', (_what, counted, err) => {
    expect(isReceiverFailure(err)).toBe(counted);
  });
});
