import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { claimWebhookDelivery, getWorkspaceSettings, recordWebhookOutcome } from '@opsconductor/db';
import { AppError, CircuitOpenError, createCircuitBreakers } from '@opsconductor/kit';
import type { CircuitBreakerWiring, KeyedCircuitBreakers } from '@opsconductor/kit';
import type { DeliveryOutcome, Queryable, WebhookDelivery } from '@opsconductor/db';
import { defineTool } from './registry';
import type { JsonValue, Tool } from './registry';
import { HostRefusedError, pinnedLookup, resolvePublicAddress } from './ssrf-guard';
import type { LookupAll, ResolvedAddress } from './ssrf-guard';
import { abortable, OWN_DEADLINE_MARGIN_MS } from './cancellation';
import { recordOutcome, storeCall } from './store-call';
import { ToolError } from './tool-error';

export const MAX_URL_LENGTH = 2048;
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_HEADERS = 20;
/** What is read of the receiver's answer; the rest is discarded (the socket is closed). */
export const RESPONSE_READ_LIMIT = 64 * 1024;
/** What of the answer is kept in the output and the outbox. */
export const RESPONSE_KEPT_BYTES = 2 * 1024;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
// Printable ASCII and tab: no CR/LF (header injection) and nothing Node would refuse mid-send.
const HEADER_VALUE = /^[\t\x20-\x7e]{0,1024}$/;
/**
 * Headers a caller may not set: the transport's own (Host, lengths, hop-by-hop), credentials
 * (they would sit in job params and audit logs), and the ones the tool signs and sets itself.
 */
const RESERVED_HEADERS = new Set([
  'host',
  'authorization',
  'proxy-authorization',
  'cookie',
  'content-length',
  'content-type',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'x-opsconductor-signature',
  'x-opsconductor-delivery',
  'idempotency-key',
]);

function isWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hostname !== '';
}

const stop = { abort: true } as const;

const webhookParams = z.strictObject({
  url: z
    .string()
    .max(MAX_URL_LENGTH, stop)
    .refine(isWebhookUrl, 'must be an http or https URL without user or password')
    .describe(`Where to POST (http or https, up to ${MAX_URL_LENGTH} characters); its host must be on the workspace's webhook allowlist`),
  body: z
    .json()
    .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_BODY_BYTES, `must serialize to at most ${MAX_BODY_BYTES} bytes of JSON`)
    .describe('Any JSON value, sent as the request body (application/json, up to 64 KiB)'),
  headers: z
    .record(z.string().regex(HEADER_NAME, 'header names are tokens of 1–64 characters'), z.string().regex(HEADER_VALUE, 'header values are up to 1024 printable ASCII characters'))
    .refine((h) => Object.keys(h).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers`)
    .refine((h) => Object.keys(h).every((name) => !RESERVED_HEADERS.has(name.toLowerCase())), {
      message: `may not set ${[...RESERVED_HEADERS].join(', ')}`,
    })
    .optional()
    .describe('Extra request headers (up to 20)'),
});

export interface WebhookOptions {
  /** Signs every delivery; without it the tool is unavailable. Never logged. */
  signingSecret?: string | undefined;
  /** Host names whose private addresses may be called (WEBHOOK_ALLOW_PRIVATE_HOSTS). */
  allowPrivateHosts?: readonly string[];
  /** Deadline of one delivery, from the lookup to the last byte read (WEBHOOK_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Resolves host names (default dns.lookup); tests use it to answer different addresses in turn. */
  lookup?: LookupAll;
  /**
   * The `webhook` breakers (createWebhookBreakers): one circuit per host, so a dead receiver
   * fails fast with 503 instead of holding a connection per delivery. Without them every
   * delivery goes out.
   */
  breakers?: KeyedCircuitBreakers;
}

export const NO_SIGNING_SECRET = 'webhook.post is not configured: set WEBHOOK_SIGNING_SECRET (deliveries are always signed)';
export const NO_DATABASE = 'no database is configured: set DATABASE_URL to the PostgreSQL the automation-service uses';
export const NO_WORKSPACE =
  'webhook.post needs a workspace: call it through the automation-service or the queue-worker, which send X-Workspace-Id';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers check it and the age of t. */
export function signDelivery(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * webhook.post: POSTs signed JSON to a host the workspace allowed, once per job. The outbox row
 * is claimed before the send, so a job that runs again after a delivery that succeeded answers
 * the recorded result instead of posting twice. Hosts resolving to private addresses are
 * refused before any connection, and the connection goes to the address that was checked.
 */
export function createWebhookPostTool(db: Queryable | undefined, opts: WebhookOptions = {}): Tool<typeof webhookParams> {
  const allowPrivate = new Set((opts.allowPrivateHosts ?? []).map((h) => h.toLowerCase()));
  const timeoutMs = opts.timeoutMs ?? 10_000;

  return defineTool({
    name: 'webhook.post',
    description: 'Posts a signed JSON body to a webhook URL whose host is on the workspace allowlist',
    platform: 'http',
    keywords: ['webhook', 'post', 'notify', 'callback', 'http'],
    params: webhookParams,
    timeoutMs: timeoutMs + OWN_DEADLINE_MARGIN_MS,
    async execute(params, ctx) {
      if (ctx.workspaceId === undefined) {
        throw new ToolError('VALIDATION_ERROR', NO_WORKSPACE, { details: [{ field: 'headers.x-workspace-id', message: 'required by webhook.post' }] });
      }
      if (!opts.signingSecret) throw new ToolError('UNAVAILABLE', NO_SIGNING_SECRET, { retryable: false });
      if (!db) throw new ToolError('UNAVAILABLE', NO_DATABASE, { retryable: false });
      const workspaceId = ctx.workspaceId;
      const url = new URL(params.url);
      const host = url.hostname;

      const settings = await storeCall('webhook outbox', ctx, () => getWorkspaceSettings(db, workspaceId));
      if (!(settings.webhook_hosts ?? []).includes(host)) {
        throw new ToolError('FORBIDDEN', `${host} is not on this workspace's webhook allowlist (pnpm keys settings <workspace> --webhook-hosts)`, {
          retryable: false,
        });
      }

      const delivery = await storeCall('webhook outbox', ctx, () =>
        claimWebhookDelivery(db, { workspace_id: workspaceId, url: params.url, ...(ctx.jobId ? { job_id: ctx.jobId } : {}), trace_id: ctx.traceId }),
      );
      const deliveryId = ctx.jobId ?? delivery.id;
      if (delivery.status === 'delivered') {
        ctx.logger.info({ host, delivery_id: deliveryId }, 'webhook.post: this job delivered already; answering the recorded result');
        return answer(delivery, deliveryId);
      }

      const record = (outcome: DeliveryOutcome) => recordOutcome('webhook.post', deliveryId, ctx, () => recordWebhookOutcome(db, delivery.id, outcome));

      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([ctx.signal, deadline]);
      let response: ReceiverAnswer;
      const secret = opts.signingSecret;
      try {
        // The lookup is inside the breaker: a host whose name no longer resolves is as dead.
        response = await throughBreaker(opts.breakers, host, async () => {
          const target = await abortable(resolvePublicAddress(host, { allowPrivate, ...(opts.lookup ? { lookup: opts.lookup } : {}) }), signal);
          const body = JSON.stringify(params.body);
          const headers: Record<string, string> = {
            ...params.headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'x-opsconductor-signature': signDelivery(secret, body, Math.floor(Date.now() / 1000)),
            'x-opsconductor-delivery': deliveryId,
            ...(ctx.jobId ? { 'idempotency-key': ctx.jobId } : {}),
          };
          return postOnce(url, target, headers, body, signal);
        });
      } catch (err) {
        await record({ delivered: false, response_status: null, response_body: null });
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (err instanceof CircuitOpenError) throw err;
        if (err instanceof HostRefusedError) throw new ToolError('FORBIDDEN', err.message, { retryable: false });
        if (deadline.aborted) throw new ToolError('TIMEOUT', `the webhook at ${host} did not answer within ${timeoutMs} ms`, { retryable: true });
        const code = (err as { code?: unknown }).code;
        ctx.logger.warn({ host, code, delivery_id: deliveryId }, 'webhook.post: could not reach the receiver');
        throw new ToolError('UNAVAILABLE', `could not reach the webhook at ${host}${typeof code === 'string' ? ` (${code})` : ''}; try again`, {
          retryable: true,
          retryAfterS: 1,
        });
      }

      const { status } = response;
      const text = keptText(response.body);
      ctx.logger.info({ host, status, delivery_id: deliveryId }, 'webhook.post: the receiver answered');
      if (status >= 200 && status < 300) {
        const recorded = await record({ delivered: true, response_status: status, response_body: text });
        return { status, delivered: true, delivery_id: deliveryId, response: recorded?.response_body ?? text };
      }
      await record({ delivered: false, response_status: status, response_body: text });
      // The receiver's body is kept in the outbox, never copied into the error: it is theirs.
      if (status >= 500 || status === 429 || status === 408) {
        throw new ToolError('UNAVAILABLE', `the webhook at ${host} failed (HTTP ${status}); try again`, { retryable: true, retryAfterS: retryAfter(response.retryAfter) });
      }
      const why = status >= 300 && status < 400 ? 'answered a redirect, which is not followed' : 'refused the delivery';
      throw new ToolError('BAD_GATEWAY', `the webhook at ${host} ${why} (HTTP ${status})`, { retryable: false });
    },
    availability: () => {
      if (!opts.signingSecret) return { available: false, reason: NO_SIGNING_SECRET };
      return db ? { available: true } : { available: false, reason: NO_DATABASE };
    },
  });
}

function answer(delivery: WebhookDelivery, deliveryId: string): { [key: string]: JsonValue } {
  return { status: delivery.response_status, delivered: true, delivery_id: deliveryId, response: delivery.response_body ?? '' };
}

interface ReceiverAnswer {
  status: number;
  /** At most RESPONSE_READ_LIMIT bytes. */
  body: Buffer;
  retryAfter: string | undefined;
}

/** A receiver's 5xx or 408: thrown inside the breaker so that it counts, unwrapped outside it. */
class ReceiverFailed extends Error {
  constructor(readonly answer: ReceiverAnswer) {
    super(`the receiver answered ${answer.status}`);
  }
}

/**
 * Whether a delivery's error counts against the receiver's host: a 5xx/408 answer, a connection
 * refused or reset, a failed lookup, the deadline. Not counted: a host refused before any
 * connection (private address), and the caller's own abort reason (an AppError such as
 * ClientClosedError), bare or as the cause of Node's AbortError. 4xx and 429 answers are answers.
 */
export function isReceiverFailure(err: unknown): boolean {
  if (err instanceof ReceiverFailed) return true;
  if (err instanceof HostRefusedError) return false;
  const reason = (err as { code?: unknown } | null)?.code === 'ABORT_ERR' ? (err as { cause?: unknown }).cause : err;
  return !(reason instanceof AppError);
}

/** The `webhook` breakers of a process, keyed by host name. */
export function createWebhookBreakers(wiring: CircuitBreakerWiring): KeyedCircuitBreakers {
  return createCircuitBreakers({ ...wiring, name: 'webhook', isFailure: isReceiverFailure, label: 'the webhook at' });
}

async function throughBreaker(breakers: KeyedCircuitBreakers | undefined, host: string, send: () => Promise<ReceiverAnswer>): Promise<ReceiverAnswer> {
  if (!breakers) return send();
  try {
    return await breakers.run(host, async () => {
      const answer = await send();
      if (answer.status >= 500 || answer.status === 408) throw new ReceiverFailed(answer);
      return answer;
    });
  } catch (err) {
    if (err instanceof ReceiverFailed) return err.answer;
    throw err;
  }
}

/**
 * One POST to the pinned address: no agent (no socket shared with another host's delivery), no
 * redirects (Node's client follows none), the answer read up to RESPONSE_READ_LIMIT bytes.
 */
function postOnce(url: URL, target: ResolvedAddress, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<ReceiverAnswer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', headers, agent: false, lookup: pinnedLookup(target), signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined });
      };
      res.on('data', (chunk: Buffer) => {
        const room = RESPONSE_READ_LIMIT - size;
        chunks.push(chunk.subarray(0, room));
        size += Math.min(chunk.length, room);
        if (size >= RESPONSE_READ_LIMIT) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function keptText(body: Buffer): string {
  // PostgreSQL text holds no NUL; a cut multi-byte character decodes as U+FFFD.
  return new TextDecoder().decode(body.subarray(0, RESPONSE_KEPT_BYTES)).replace(/\0/g, '\uFFFD');
}

/** The receiver's Retry-After in seconds (1–300), 1 when absent or a date. */
function retryAfter(value: string | undefined): number {
  const seconds = value !== undefined && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : 1;
  return Math.min(Math.max(seconds, 1), 300);
}
