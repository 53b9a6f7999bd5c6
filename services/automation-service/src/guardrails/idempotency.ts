/**
 * Idempotency-Key for mutating routes (IETF draft "The Idempotency-Key HTTP Header Field",
 * Stripe's behaviour): a client that retries a POST with the same key gets the first answer
 * again instead of a second execution.
 *
 * A route opts in with `{ config: { idempotent: true } }`. Per workspace (`scopeOf`), method,
 * route pattern and key, one Redis key holds either "running" (set with SET NX, so exactly one
 * request runs the handler) or the finished answer (status, body, content-type, location) for
 * `ttlSeconds`. The request's fingerprint (SHA-256 of method, URL and canonical body JSON)
 * tells a true retry from a key reused for another request.
 *
 * | same key…                          | answer                                              |
 * | ---------------------------------- | --------------------------------------------------- |
 * | never seen                         | handler runs; its answer is stored                  |
 * | finished, same fingerprint         | stored status and body, `Idempotent-Replayed: true` |
 * | still running, same fingerprint    | 409 CONFLICT, Retry-After: 1                        |
 * | other fingerprint (either state)   | 409 CONFLICT (the draft says 422; see below)        |
 *
 * 5xx and 429 answers are not stored: the key is released so the client can retry. Other 4xx
 * answers are stored like successes (Stripe does the same: the same request would fail again).
 *
 * Every Redis operation touches one key, so this runs unchanged on Redis Cluster. The claim
 * uses `SET … NX GET`, which needs Redis 7.0 or later.
 *
 * Wiring: call `registerIdempotency` before the routes are declared (in the same or a parent
 * scope): it adds its hooks to each opted-in route as it is declared (like @fastify/rate-limit).
 * Those route-level hooks run after every instance-level preHandler, so authentication has set
 * the workspace before `scopeOf` is asked. An opted-in route must answer through `reply.send`
 * (not `reply.hijack()`, not a stream): a hijacked request keeps its key "running" until
 * `lockTtlSeconds` pass.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import stringify from 'safe-stable-stringify';
import { AppError } from '@opsconductor/kit';
import type { RedisClient } from '@opsconductor/jobs';
import { IDEMPOTENCY_RULE, idempotencyKey } from '../jobs/schemas';
import { jobStoreErrorHandler } from '../jobs/redis';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour the Idempotency-Key header on this route (see registerIdempotency). */
    idempotent?: boolean;
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
export const DEFAULT_IDEMPOTENCY_TTL_S = 24 * 60 * 60;
export const DEFAULT_IDEMPOTENCY_LOCK_TTL_S = 60;
/** Seconds a client is told to wait while the first request with its key still runs. */
export const IN_PROGRESS_RETRY_AFTER_S = 1;

/** Response headers kept with a stored answer. Never a request header: Authorization stays out of Redis. */
const STORED_HEADERS = ['content-type', 'location'] as const;

export interface IdempotencyOptions {
  /** The client for the keys (the job store's is fine); never closed here. */
  redis: RedisClient;
  /** First part of every key, e.g. `oc:idem`. Without a `{hash tag}`, so keys spread over a cluster. */
  prefix: string;
  /** How long a finished answer is replayed (default 86400 s, 24 h). */
  ttlSeconds?: number;
  /**
   * How long a "running" mark lives (default 60 s, above the slowest route's 30 s upstream
   * timeout). It only matters when a process dies mid-request: the key frees itself then,
   * rather than answering 409 for `ttlSeconds`.
   */
  lockTtlSeconds?: number;
  /** The caller's workspace id; undefined: idempotency is not applied to this request. */
  scopeOf(request: FastifyRequest): string | undefined;
}

/** What a key holds: the mark of a request still running, or the answer to replay. */
type IdempotencyRecord =
  | { state: 'running'; fingerprint: string; token: string }
  | {
      state: 'done';
      fingerprint: string;
      status: number;
      headers: Partial<Record<(typeof STORED_HEADERS)[number], string>>;
      body: string;
      encoding: 'utf8' | 'base64';
    };

/** A request that holds its key: the exact "running" value it wrote, so only it can finish it. */
interface Claim {
  key: string;
  running: string;
  fingerprint: string;
}

/**
 * Replaces the "running" value with the answer (ARGV[2], kept ARGV[3] seconds), or deletes it
 * when ARGV[2] is empty, only while it is still this request's: a request that outlived its
 * lock must not overwrite (or free) the key a later request now holds.
 */
const FINISH_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

export function registerIdempotency(app: FastifyInstance, opts: IdempotencyOptions): void {
  const ttlS = positiveInteger(opts.ttlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_S, 'ttlSeconds');
  const lockTtlS = positiveInteger(opts.lockTtlSeconds ?? DEFAULT_IDEMPOTENCY_LOCK_TTL_S, 'lockTtlSeconds');
  const { redis } = opts;
  const redisDown = jobStoreErrorHandler(redis);
  const claims = new WeakMap<FastifyRequest, Claim>();

  async function claimOrReplay(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) return undefined;
    const scope = opts.scopeOf(request);
    if (scope === undefined) return undefined;
    const redisKey = `${opts.prefix}:${sha256(JSON.stringify([scope, request.method, request.routeOptions.url, key]))}`;
    const fingerprint = fingerprintOf(request);
    const running = JSON.stringify({ state: 'running', fingerprint, token: randomUUID() } satisfies IdempotencyRecord);
    let previous: string | null;
    try {
      previous = await redis.set(redisKey, running, 'EX', lockTtlS, 'NX', 'GET');
    } catch (err) {
      return redisDown(err as Error, request, reply);
    }
    if (previous === null) {
      claims.set(request, { key: redisKey, running, fingerprint });
      return undefined;
    }
    const record = parseRecord(previous);
    // The draft answers 422 here; the envelope has no 422 (DESIGN.md), and 409 CONFLICT is what
    // POST /ai/jobs already answers for a key reused with another body. The message tells it
    // apart from "still running", which a client may simply retry.
    if (record.fingerprint !== fingerprint) {
      throw new AppError('CONFLICT', 'this Idempotency-Key was already used for a different request (method, URL or body); use a new key');
    }
    if (record.state === 'running') {
      throw new AppError('CONFLICT', 'a request with this Idempotency-Key is still being processed', { retryAfterS: IN_PROGRESS_RETRY_AFTER_S });
    }
    for (const [name, value] of Object.entries(record.headers)) reply.header(name, value);
    request.log.debug({ status: record.status }, 'idempotent request replayed');
    return reply.code(record.status).header(REPLAYED_HEADER, 'true').send(Buffer.from(record.body, record.encoding));
  }

  async function storeOrRelease(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = claims.get(request);
    if (claim === undefined) return payload;
    claims.delete(request);
    const answer = retryable(reply.statusCode) ? undefined : storedAnswer(reply, payload, claim.fingerprint);
    if (answer === undefined && !retryable(reply.statusCode)) {
      request.log.warn({ status: reply.statusCode }, 'idempotent route answered a stream: key released, answer not stored');
    }
    try {
      await redis.eval(FINISH_SCRIPT, 1, claim.key, claim.running, answer === undefined ? '' : JSON.stringify(answer), ttlS);
    } catch (err) {
      // The handler's work is done and its answer is the truth: send it. A retry meets the
      // "running" mark until lockTtlSeconds pass, then runs again; no worse than no key at all.
      request.log.warn({ err: (err as Error).message, redis_status: redis.status }, 'idempotent answer not stored');
    }
    return payload;
  }

  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.idempotent !== true) return;
    route.preHandler = [...asArray(route.preHandler), claimOrReplay];
    route.onSend = [...asArray(route.onSend), storeOrRelease];
  });
}

/** The Idempotency-Key header, checked (400 naming it when bad or sent twice); undefined when not sent. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  // Node joins a repeated header into "a, b"; the raw headers tell "sent twice" from a bad key.
  const sentTwice = Array.isArray(value) || countRawHeader(request.raw.rawHeaders, IDEMPOTENCY_HEADER) > 1;
  const parsed = sentTwice ? undefined : idempotencyKey.safeParse(value);
  if (parsed?.success) return parsed.data;
  const message = sentTwice ? 'must be sent once' : IDEMPOTENCY_RULE;
  throw new AppError('VALIDATION_ERROR', `invalid request headers: headers.${IDEMPOTENCY_HEADER} ${message}`, {
    details: [{ field: `headers.${IDEMPOTENCY_HEADER}`, message }],
  });
}

function countRawHeader(rawHeaders: string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) count++;
  return count;
}

/** Method, the URL as sent (path and query) and the body: what makes a retry "the same request". */
function fingerprintOf(request: FastifyRequest): string {
  return sha256(JSON.stringify([request.method, request.url, canonicalJson(request.body)]));
}

/** JSON with the keys of every object sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` fingerprint alike. */
export function canonicalJson(value: unknown): string {
  return stringify(value ?? null) ?? 'null';
}

/** 5xx (ours or the handler's crash) and 429 say "try again later": keeping them would forbid that retry. */
function retryable(status: number): boolean {
  return status >= 500 || status === 429;
}

/** The answer to replay, or undefined for a body that cannot be kept (a stream). */
function storedAnswer(reply: FastifyReply, payload: unknown, fingerprint: string): IdempotencyRecord | undefined {
  let body: string;
  let encoding: 'utf8' | 'base64' = 'utf8';
  if (payload === undefined || payload === null) body = '';
  else if (typeof payload === 'string') body = payload;
  else if (Buffer.isBuffer(payload)) [body, encoding] = [payload.toString('base64'), 'base64'];
  else return undefined;
  const headers: Partial<Record<(typeof STORED_HEADERS)[number], string>> = {};
  for (const name of STORED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return { state: 'done', fingerprint, status: reply.statusCode, headers, body, encoding };
}

function parseRecord(raw: string): IdempotencyRecord {
  const record = JSON.parse(raw) as { state?: unknown };
  if (record.state !== 'running' && record.state !== 'done') throw new Error(`unexpected idempotency record state ${String(record.state)}`);
  return record as IdempotencyRecord;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
