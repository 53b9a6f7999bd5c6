/**
 * Idempotency-Key on a small app built by the kit's createHttpApp, over real HTTP, against the
 * real Redis at REDIS_URL (keys under a random prefix, deleted afterwards) and a real 3-node
 * Redis Cluster.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import { Agent, request } from 'undici';
import { AppError, createHttpApp, createLogger, createMetrics } from '@opsconductor/kit';
import { captureLogs } from '@opsconductor/kit/testing';
import type { RedisClient } from '@opsconductor/jobs';
import { startRedisCluster } from '@opsconductor/jobs/testing';
import type { RedisClusterHandle } from '@opsconductor/jobs/testing';
import { canonicalJson, registerIdempotency } from '../src/guardrails/idempotency';

const WS = 'x-workspace-id';

/** A promise the test resolves by hand: holds a handler "running" for as long as the test wants. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

interface TestApp {
  url: string;
  app: FastifyInstance;
  /** Handler calls per route. */
  calls: Record<string, number>;
  /** The next call of POST /slow waits for this; `started` resolves once it is inside. */
  slow: { started: Promise<void>; release: () => void };
  logs: ReturnType<typeof captureLogs>;
}

async function startTestApp(redis: RedisClient, prefix: string, ttlSeconds = 3600): Promise<TestApp> {
  const logs = captureLogs();
  const app = createHttpApp({
    service: 'idempotency-test',
    logger: createLogger({ service: 'idempotency-test', level: 'debug', destination: logs.stream }),
    metrics: createMetrics({ service: 'idempotency-test', defaultMetrics: false }),
  });
  registerIdempotency(app, {
    redis,
    prefix,
    ttlSeconds,
    scopeOf: (req) => (typeof req.headers[WS] === 'string' ? req.headers[WS] : undefined),
  });
  const calls: Record<string, number> = {};
  const count = (route: string) => (calls[route] = (calls[route] ?? 0) + 1);
  const idempotent = { config: { idempotent: true } };

  app.post('/things', idempotent, async (req, reply) => {
    const n = count('things');
    return reply.code(201).header('location', `/things/${n}`).header('x-not-stored', 'yes').send({ n, body: req.body });
  });
  app.post('/things/:id/rename', idempotent, async (req) => ({ n: count('rename'), id: (req.params as { id: string }).id }));
  app.post('/plain', async () => ({ n: count('plain') }));
  app.post('/refuse', idempotent, async () => {
    throw new AppError('VALIDATION_ERROR', `refused call ${count('refuse')}`, { details: [{ field: 'body.x', message: 'bad' }] });
  });
  // First call crashes (500), later ones succeed: a retry after a 5xx must run again.
  app.post('/flaky', idempotent, async () => {
    const n = count('flaky');
    if (n === 1) throw new Error('boom');
    return { n };
  });
  app.post('/limited', idempotent, async () => {
    throw new AppError('RATE_LIMITED', `limited call ${count('limited')}`, { retryAfterS: 5 });
  });

  let slowGate = gate();
  let slowStarted = gate();
  const slow = {
    get started() {
      return slowStarted.opened;
    },
    release: () => slowGate.open(),
  };
  app.post('/slow', idempotent, async () => {
    const n = count('slow');
    const waitFor = slowGate.opened;
    slowStarted.open();
    await waitFor;
    slowGate = gate();
    slowStarted = gate();
    return { n };
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app, calls, slow, logs };
}

const agent = new Agent({ connections: 8 });
afterAll(() => agent.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };
  text: string;
}

/** POSTs JSON as workspace ws-a unless `headers` says otherwise (undefined drops a header). */
async function post(url: string, body: unknown, headers: Record<string, string | string[] | undefined> = {}): Promise<Answer> {
  const res = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', [WS]: 'ws-a', ...headers }).filter(([, v]) => v !== undefined)),
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: JSON.parse(text) as Answer['json'], text };
}

const key = () => `key-${randomUUID()}`;

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of redis.scanStream({ match: `${prefix}:*` })) found.push(...(batch as string[]));
  return found;
}

describe('Idempotency-Key on opted-in routes (single Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `test-idem-${randomBytes(4).toString('hex')}`;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(redis, prefix);
  });
  afterAll(async () => {
    await t?.app.close();
    const keys = await keysUnder(redis, prefix);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('replays the first answer (status, body, location) with Idempotent-Replayed, running the handler once', async () => {
    const k = key();
    const before = t.calls.things ?? 0;
    const first = await post(`${t.url}/things`, { a: 1, b: [1, 2] }, { 'idempotency-key': k });
    const again = await post(`${t.url}/things`, { a: 1, b: [1, 2] }, { 'idempotency-key': k });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    // Only content-type and location are kept; the kit still sets this request's own trace id.
    expect(again.headers['x-not-stored']).toBeUndefined();
    expect(again.headers['x-trace-id']).toBeDefined();
    expect(again.headers['x-trace-id']).not.toBe(first.headers['x-trace-id']);
    expect((t.calls.things ?? 0) - before).toBe(1);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const k = key();
    const first = await post(`${t.url}/things`, { a: 1, nested: { x: 1, y: 2 } }, { 'idempotency-key': k });
    const again = await post(`${t.url}/things`, { nested: { y: 2, x: 1 }, a: 1 }, { 'idempotency-key': k });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}');
  });

  it('answers 409 with Retry-After: 1 while the first request with the key is still running', async () => {
    const k = key();
    const before = t.calls.slow ?? 0;
    const first = post(`${t.url}/slow`, { x: 1 }, { 'idempotency-key': k });
    await t.slow.started;
    const duplicate = await post(`${t.url}/slow`, { x: 1 }, { 'idempotency-key': k });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error).toMatchObject({ code: 'CONFLICT', message: 'a request with this Idempotency-Key is still being processed' });
    expect(duplicate.headers['retry-after']).toBe('1');
    t.slow.release();
    expect((await first).status).toBe(200);
    const after = await post(`${t.url}/slow`, { x: 1 }, { 'idempotency-key': k });
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect((t.calls.slow ?? 0) - before).toBe(1);
  });

  it('refuses with 409 a key reused with another body, or another URL of the same route', async () => {
    const k = key();
    await post(`${t.url}/things`, { a: 1 }, { 'idempotency-key': k });
    const other = await post(`${t.url}/things`, { a: 2 }, { 'idempotency-key': k });
    expect(other.status).toBe(409);
    expect(other.json.error?.code).toBe('CONFLICT');
    expect(other.json.error?.message).toMatch(/already used for a different request/);
    expect(other.headers['retry-after']).toBeUndefined();

    const r = key();
    expect((await post(`${t.url}/things/1/rename`, {}, { 'idempotency-key': r })).status).toBe(200);
    const otherId = await post(`${t.url}/things/2/rename`, {}, { 'idempotency-key': r });
    expect(otherId.status).toBe(409);
    expect(otherId.json.error?.message).toMatch(/different request/);
  });

  it('keeps each workspace apart, and each route: the same key is another operation there', async () => {
    const k = key();
    const before = t.calls.things ?? 0;
    const a = await post(`${t.url}/things`, { same: true }, { 'idempotency-key': k, [WS]: 'ws-a' });
    const b = await post(`${t.url}/things`, { same: true }, { 'idempotency-key': k, [WS]: 'ws-b' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json.n).not.toBe(a.json.n);
    expect((t.calls.things ?? 0) - before).toBe(2);
    const rename = await post(`${t.url}/things/1/rename`, { same: true }, { 'idempotency-key': k, [WS]: 'ws-a' });
    expect(rename.status).toBe(200);
    expect(rename.headers['idempotent-replayed']).toBeUndefined();
  });

  it('releases the key after a 5xx (the handler threw), so a retry runs the handler again', async () => {
    const k = key();
    const crashed = await post(`${t.url}/flaky`, { x: 1 }, { 'idempotency-key': k });
    expect(crashed.status).toBe(500);
    expect(crashed.json.error?.code).toBe('INTERNAL_ERROR');
    const retried = await post(`${t.url}/flaky`, { x: 1 }, { 'idempotency-key': k });
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    const replayed = await post(`${t.url}/flaky`, { x: 1 }, { 'idempotency-key': k });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json).toEqual(retried.json);
    expect(t.calls.flaky).toBe(2);
  });

  it('stores a 4xx answer like a success, but releases a 429 so the client can retry later', async () => {
    const k = key();
    const refused = await post(`${t.url}/refuse`, { x: 1 }, { 'idempotency-key': k });
    expect(refused.status).toBe(400);
    const again = await post(`${t.url}/refuse`, { x: 1 }, { 'idempotency-key': k });
    expect(again.status).toBe(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json.error).toEqual(refused.json.error);
    expect(t.calls.refuse).toBe(1);

    const l = key();
    expect((await post(`${t.url}/limited`, {}, { 'idempotency-key': l })).status).toBe(429);
    const limitedAgain = await post(`${t.url}/limited`, {}, { 'idempotency-key': l });
    expect(limitedAgain.status).toBe(429);
    expect(limitedAgain.headers['idempotent-replayed']).toBeUndefined();
    expect(t.calls.limited).toBe(2);
  });

  it('leaves requests without the header, without a workspace, or on other routes untouched', async () => {
    const before = { things: t.calls.things ?? 0, plain: t.calls.plain ?? 0 };
    const keysBefore = (await keysUnder(redis, prefix)).length;
    await post(`${t.url}/things`, { x: 1 });
    const second = await post(`${t.url}/things`, { x: 1 });
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    const k = key();
    await post(`${t.url}/plain`, { x: 1 }, { 'idempotency-key': k });
    expect((await post(`${t.url}/plain`, { x: 1 }, { 'idempotency-key': k })).headers['idempotent-replayed']).toBeUndefined();
    const noScope = { 'idempotency-key': k, [WS]: undefined };
    await post(`${t.url}/things`, { x: 2 }, noScope);
    expect((await post(`${t.url}/things`, { x: 2 }, noScope)).headers['idempotent-replayed']).toBeUndefined();
    expect({ things: (t.calls.things ?? 0) - before.things, plain: (t.calls.plain ?? 0) - before.plain }).toEqual({ things: 4, plain: 2 });
    expect((await keysUnder(redis, prefix)).length).toBe(keysBefore);
  });

  it('refuses an invalid key, or the header sent twice, with 400 naming headers.idempotency-key', async () => {
    const before = t.calls.things ?? 0;
    for (const bad of ['has space', 'x'.repeat(256), 'naïve']) {
      const res = await post(`${t.url}/things`, {}, { 'idempotency-key': bad });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: [{ field: 'headers.idempotency-key', message: 'must be 1–255 visible ASCII characters (no spaces)' }],
      });
    }
    const twice = await post(`${t.url}/things`, {}, { 'idempotency-key': ['k-1', 'k-1'] });
    expect(twice.status).toBe(400);
    expect(twice.json.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'headers.idempotency-key', message: 'must be sent once' }] });
    expect((t.calls.things ?? 0) - before).toBe(0);
  });

  it('keeps a finished answer for ttlSeconds, a running mark for the lock TTL, and never a request header', async () => {
    const k = key();
    const keysBefore = new Set(await keysUnder(redis, prefix));
    const running = post(`${t.url}/slow`, { x: 'ttl' }, { 'idempotency-key': k, authorization: 'Bearer secret-token-123' });
    await t.slow.started;
    const [redisKey] = (await keysUnder(redis, prefix)).filter((name) => !keysBefore.has(name));
    expect(redisKey).toBeDefined();
    expect(redisKey).not.toContain(k);
    const lockTtl = await redis.ttl(redisKey!);
    expect(lockTtl).toBeGreaterThan(0);
    expect(lockTtl).toBeLessThanOrEqual(60);
    t.slow.release();
    await running;
    const ttl = await redis.ttl(redisKey!);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    const stored = (await redis.get(redisKey!))!;
    expect(JSON.parse(stored)).toMatchObject({ state: 'done', status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(stored).not.toMatch(/secret-token|authorization/i);
  });
});

describe('Idempotency-Key while Redis is unreachable', () => {
  // Nothing listens on port 1; no offline queue and no reconnects: every command fails at once,
  // as it does once the real client has given up its reconnect attempts.
  const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(down, 'unused');
  });
  afterAll(async () => {
    await t?.app.close();
    down.disconnect();
  });

  it('answers 503 UNAVAILABLE with Retry-After through the envelope, without running the handler', async () => {
    const res = await post(`${t.url}/things`, { x: 1 }, { 'idempotency-key': key() });
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ success: false, error: { code: 'UNAVAILABLE' } });
    expect(res.headers['retry-after']).toBe('1');
    expect(t.calls.things).toBeUndefined();
    // Without a key the route does not need Redis at all.
    expect((await post(`${t.url}/things`, { x: 1 })).status).toBe(201);
  });
});

describe('Idempotency-Key on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let client: Cluster;
  let t: TestApp;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = cluster.client();
    t = await startTestApp(client, 'idem');
  }, 60_000);
  afterAll(async () => {
    await t?.app.close();
    await cluster?.stop();
  }, 30_000);

  it('claims, stores, replays and releases keys spread over the nodes', async () => {
    const keys = Array.from({ length: 6 }, key);
    for (const k of keys) expect((await post(`${t.url}/things`, { k }, { 'idempotency-key': k })).status).toBe(201);
    for (const k of keys) expect((await post(`${t.url}/things`, { k }, { 'idempotency-key': k })).headers['idempotent-replayed']).toBe('true');
    expect(t.calls.things).toBe(keys.length);
    const perNode = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
    const k = key();
    expect((await post(`${t.url}/flaky`, {}, { 'idempotency-key': k })).status).toBe(500);
    expect((await post(`${t.url}/flaky`, {}, { 'idempotency-key': k })).status).toBe(200);
  });
});
