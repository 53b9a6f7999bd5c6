import { z } from 'zod';
import nodemailer from 'nodemailer';
import { claimEmailDelivery, CredentialDecryptError, getMailAccount, listMailAccounts, recordEmailOutcome } from '@opsconductor/db';
import type { CredentialCipher, DeliveryOutcome, EmailDelivery, MailAccount, MailProvider, Queryable, SmtpServer, SmtpTls } from '@opsconductor/db';
import { isAppError } from '@opsconductor/kit';
import type { AppError } from '@opsconductor/kit';
import { defineTool } from './registry';
import type { JsonValue, Tool, ToolContext } from './registry';
import { abortable, OWN_DEADLINE_MARGIN_MS } from './cancellation';
import { recordOutcome, storeCall } from './store-call';
import { ToolError } from './tool-error';

export const MAX_RECIPIENTS = 50;
export const MAX_BODY_CHARS = 256 * 1024;
/** What of the server's last reply is kept in the output and the outbox. */
const REPLY_KEPT_CHARS = 512;

const address = z.email({ message: 'must be an email address' }).max(320);
const addresses = z.union([address, z.array(address).min(1).max(MAX_RECIPIENTS)]);
const oneLine = /^[^\r\n]*$/;

const messageFields = {
  to: addresses.describe('Recipient address, or a list of them'),
  cc: addresses.optional().describe('Copy recipients'),
  bcc: addresses.optional().describe('Blind copy recipients (not shown to the others)'),
  subject: z.string().min(1).max(998).regex(oneLine, 'must be one line').describe('Subject line (one line, up to 998 characters)'),
  text: z.string().max(MAX_BODY_CHARS).optional().describe('Plain-text body'),
  html: z.string().max(MAX_BODY_CHARS).optional().describe('HTML body (send text too for clients that show no HTML)'),
  reply_to: address.optional().describe('Where replies should go, if not to the sender'),
};

type MessageParams = z.infer<z.ZodObject<typeof messageFields>>;

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const recipientsOf = (p: MessageParams) => [...list(p.to), ...list(p.cc), ...list(p.bcc)];

function messageSchema<S extends z.core.$ZodShape>(shape: S) {
  return z
    .strictObject(shape)
    .refine((p) => (p as MessageParams).text !== undefined || (p as MessageParams).html !== undefined, { message: 'send text, html or both', path: ['text'] })
    .refine((p) => recipientsOf(p as MessageParams).length <= MAX_RECIPIENTS, { message: `at most ${MAX_RECIPIENTS} recipients in to, cc and bcc together`, path: ['to'] });
}

const presetParams = messageSchema(messageFields);
const anyProviderParams = messageSchema({
  ...messageFields,
  provider: z.enum(['gmail', 'outlook', 'smtp']).optional().describe("Which of the workspace's mail accounts sends; optional when it has only one"),
});

export interface EmailOptions {
  /** Decrypts the workspace's stored passwords (CREDENTIALS_ENCRYPTION_KEY); without it the tools are unavailable. */
  cipher?: CredentialCipher | undefined;
  /**
   * SMTP_SINK_URL, for development and tests: every message goes to this server (smtp:// plain,
   * smtps:// TLS) instead of the provider's, with the workspace's own credentials.
   */
  sinkUrl?: string | undefined;
  /** Deadline of one send, from connecting to the server's last reply (EMAIL_TIMEOUT_MS). */
  timeoutMs?: number;
  /**
   * Runs the SMTP conversation (a circuit breaker keyed by host goes here); default: call it.
   * A rejection it makes of its own (an open circuit) must be an AppError.
   */
  guard?: (host: string, send: () => Promise<SentMail>) => Promise<SentMail>;
}

export const NO_CIPHER = 'the email tools are not configured: set CREDENTIALS_ENCRYPTION_KEY (the key `pnpm keys mail` encrypted the passwords with)';
export const NO_DATABASE = 'no database is configured: set DATABASE_URL to the PostgreSQL the automation-service uses';

/** Where a message goes: an account's server, or the development sink (which may take no TLS). */
type SendServer = Omit<SmtpServer, 'tls'> & { tls: SmtpTls | 'none' };

/** What nodemailer answers for a message the server took. */
export interface SentMail {
  messageId: string;
  accepted: (string | { address: string })[];
  rejected: (string | { address: string })[];
  response: string;
}

interface EmailToolSpec {
  name: string;
  description: string;
  keywords: readonly string[];
  /** The account a preset sends with; email.send takes it from `params.provider`. */
  provider?: Exclude<MailProvider, 'smtp'>;
}

/** gmail.send, outlook.send and email.send: one tool body, three ways to name the account. */
export function createEmailTools(db: Queryable | undefined, opts: EmailOptions = {}): Tool[] {
  const presets: EmailToolSpec[] = [
    { name: 'gmail.send', provider: 'gmail', description: "Sends an email through the workspace's Gmail account (smtp.gmail.com, app password)", keywords: ['gmail'] },
    { name: 'outlook.send', provider: 'outlook', description: "Sends an email through the workspace's Outlook / Microsoft 365 account (smtp.office365.com)", keywords: ['outlook', 'office365', 'hotmail'] },
  ];
  const generic: EmailToolSpec = {
    name: 'email.send',
    description: "Sends an email through one of the workspace's mail accounts (Gmail, Outlook or its own SMTP server)",
    keywords: ['email', 'e-mail', 'mail', 'smtp'],
  };
  return [...presets.map((spec) => emailTool(spec, presetParams, db, opts)), emailTool(generic, anyProviderParams, db, opts)];
}

function emailTool<P extends z.ZodType<MessageParams & { provider?: MailProvider }>>(spec: EmailToolSpec, params: P, db: Queryable | undefined, opts: EmailOptions): Tool<P> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const sink = opts.sinkUrl === undefined ? undefined : sinkServer(opts.sinkUrl);
  const guard = opts.guard ?? ((_host: string, send: () => Promise<SentMail>) => send());

  return defineTool({
    name: spec.name,
    description: spec.description,
    platform: 'email',
    keywords: spec.keywords,
    params,
    // nodemailer's timeouts bound each step; this bounds the whole conversation and the outbox.
    timeoutMs: timeoutMs + OWN_DEADLINE_MARGIN_MS,
    async execute(message, ctx) {
      if (ctx.workspaceId === undefined) {
        throw new ToolError('VALIDATION_ERROR', `${spec.name} needs a workspace: call it through the automation-service or the queue-worker, which send X-Workspace-Id`, {
          details: [{ field: 'headers.x-workspace-id', message: `required by ${spec.name}` }],
        });
      }
      if (!opts.cipher) throw new ToolError('UNAVAILABLE', NO_CIPHER, { retryable: false });
      if (!db) throw new ToolError('UNAVAILABLE', NO_DATABASE, { retryable: false });
      const workspaceId = ctx.workspaceId;
      const cipher = opts.cipher;
      const provider = spec.provider ?? message.provider ?? (await onlyAccount(db, workspaceId, ctx));
      const account = await readAccount(() => getMailAccount(db, cipher, workspaceId, provider), ctx);
      if (!account) {
        throw new ToolError('UNAVAILABLE', `workspace ${workspaceId} has no ${provider} mail account; an operator sets one with pnpm keys mail ${workspaceId} --provider ${provider}`, {
          retryable: false,
        });
      }

      const recipients = recipientsOf(message);
      const delivery = await storeCall('email outbox', ctx, () =>
        claimEmailDelivery(db, { workspace_id: workspaceId, provider, recipients, ...(ctx.jobId ? { job_id: ctx.jobId } : {}), trace_id: ctx.traceId }),
      );
      const deliveryId = ctx.jobId ?? delivery.id;
      if (delivery.status === 'delivered') {
        ctx.logger.info({ provider, delivery_id: deliveryId }, `${spec.name}: this job sent its email already; answering the recorded result`);
        return recorded(delivery, deliveryId, messageIdOf(delivery, account));
      }
      const record = (outcome: DeliveryOutcome) => recordOutcome(spec.name, deliveryId, ctx, () => recordEmailOutcome(db, delivery.id, outcome));

      const server: SendServer = sink ?? account.server;
      const messageId = messageIdOf(delivery, account);
      let sent: SentMail;
      try {
        sent = await abortable(
          guard(server.host, () => sendOnce(server, account, message, { deliveryId, messageId, timeoutMs })),
          ctx.signal,
        );
      } catch (err) {
        const failure = smtpFailure(err, server.host, timeoutMs);
        await record({ delivered: false, response_status: replyCode(err) ?? null, response_body: replyText(err) });
        if (ctx.signal.aborted) throw ctx.signal.reason;
        // Codes and the host only: a server's reply text may quote addresses or credentials' user names.
        ctx.logger.warn({ host: server.host, code: (err as { code?: unknown }).code, reply_code: replyCode(err), delivery_id: deliveryId }, `${spec.name}: the send failed`);
        throw failure;
      }
      const response = sent.response.slice(0, REPLY_KEPT_CHARS);
      await record({ delivered: true, response_status: Number(/^\d{3}/.exec(response)?.[0] ?? 250), response_body: response });
      ctx.logger.info({ host: server.host, provider, delivery_id: deliveryId, rejected: sent.rejected.length }, `${spec.name}: the server took the email`);
      return {
        delivered: true,
        delivery_id: deliveryId,
        provider,
        message_id: sent.messageId,
        accepted: sent.accepted.map(addressOf),
        rejected: sent.rejected.map(addressOf),
        response,
      };
    },
    availability: () => {
      if (!opts.cipher) return { available: false, reason: NO_CIPHER };
      return db ? { available: true } : { available: false, reason: NO_DATABASE };
    },
  });
}

/** email.send without `provider`: the workspace's one account, else a clear 400. */
async function onlyAccount(db: Queryable, workspaceId: string, ctx: ToolContext): Promise<MailProvider> {
  const accounts = await storeCall('mail account store', ctx, () => listMailAccounts(db, workspaceId));
  if (accounts.length === 1) return (accounts[0] as { provider: MailProvider }).provider;
  const which = accounts.length === 0 ? 'has no mail account' : `has several mail accounts (${accounts.map((a) => a.provider).join(', ')})`;
  throw new ToolError('VALIDATION_ERROR', `workspace ${workspaceId} ${which}: name one in params.provider`, {
    details: [{ field: 'body.params.provider', message: accounts.length === 0 ? 'no account to send with' : `one of ${accounts.map((a) => a.provider).join(', ')}` }],
  });
}

async function readAccount(read: () => Promise<MailAccount | undefined>, ctx: ToolContext): Promise<MailAccount | undefined> {
  try {
    return await storeCall('mail account store', ctx, read);
  } catch (err) {
    if (err instanceof ToolError && err.cause instanceof CredentialDecryptError) {
      // Another key than the one the password was stored with: repeating will not help.
      throw new ToolError('UNAVAILABLE', "the workspace's mail password does not decrypt with CREDENTIALS_ENCRYPTION_KEY; set it again with pnpm keys mail", { retryable: false });
    }
    throw err;
  }
}

/** One SMTP conversation on a connection of its own, bounded by `timeoutMs` at every step. */
async function sendOnce(server: SendServer, account: MailAccount, message: MessageParams, meta: { deliveryId: string; messageId: string; timeoutMs: number }): Promise<SentMail> {
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.tls === 'implicit',
    // STARTTLS servers must upgrade: a password never crosses in the clear to a provider.
    requireTLS: server.tls === 'starttls',
    ignoreTLS: server.tls === 'none',
    auth: { user: account.username, pass: account.password },
    connectionTimeout: meta.timeoutMs,
    greetingTimeout: meta.timeoutMs,
    socketTimeout: meta.timeoutMs,
    // nodemailer's own logging would print the conversation, AUTH included.
    logger: false,
    debug: false,
  });
  try {
    return (await transport.sendMail({
      from: account.from_address,
      to: list(message.to),
      cc: list(message.cc),
      bcc: list(message.bcc),
      subject: message.subject,
      ...(message.text !== undefined ? { text: message.text } : {}),
      ...(message.html !== undefined ? { html: message.html } : {}),
      ...(message.reply_to !== undefined ? { replyTo: message.reply_to } : {}),
      messageId: meta.messageId,
      headers: { 'X-OpsConductor-Delivery': meta.deliveryId },
    })) as SentMail;
  } finally {
    transport.close();
  }
}

/** SMTP_SINK_URL → the server every message goes to. */
export function sinkServer(url: string): SendServer {
  const parsed = new URL(url);
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new Error('SMTP_SINK_URL must be smtp://host:port or smtps://host:port');
  const tls = parsed.protocol === 'smtps:' ? 'implicit' : 'none';
  return { host: parsed.hostname, port: Number(parsed.port || (tls === 'implicit' ? 465 : 25)), tls };
}

/**
 * The envelope error of a failed send. A 4xx reply is the server deferring (try later); a 5xx
 * reply refuses this message or these credentials for good; no reply at all is the server or
 * the network failing, worth another try.
 */
function smtpFailure(err: unknown, host: string, timeoutMs: number): AppError {
  // Ours already (an open circuit): it says what happened.
  if (isAppError(err)) return err;
  const code = (err as { code?: unknown }).code;
  const reply = replyCode(err);
  if (reply !== undefined && reply >= 400 && reply < 500) {
    return new ToolError('UNAVAILABLE', `${host} deferred the email (SMTP ${reply}); try again`, { retryable: true, retryAfterS: 30 });
  }
  if (code === 'EAUTH') {
    return new ToolError('BAD_GATEWAY', `${host} refused the workspace's mail credentials${reply ? ` (SMTP ${reply})` : ''}; set them again with pnpm keys mail`, { retryable: false });
  }
  if (reply !== undefined && reply >= 500) {
    const what = code === 'EENVELOPE' ? 'the recipients' : 'the email';
    return new ToolError('BAD_GATEWAY', `${host} refused ${what} (SMTP ${reply})`, { retryable: false });
  }
  if (code === 'ETIMEDOUT') return new ToolError('TIMEOUT', `${host} did not answer within ${timeoutMs} ms`, { retryable: true });
  return new ToolError('UNAVAILABLE', `could not send through ${host}${typeof code === 'string' ? ` (${code})` : ''}; try again`, { retryable: true, retryAfterS: 1 });
}

/** nodemailer's codes for a server that could not be reached or dropped the conversation. */
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET']);

/**
 * Whether a send's error counts against the SMTP server's circuit: no answer at all, or 421
 * ("service not available, closing"). Not counted: other replies (the server is alive and
 * judging the message or the login), which fail fast on their own.
 */
export function isSmtpFailure(err: unknown): boolean {
  if (isAppError(err)) return false;
  const reply = replyCode(err);
  if (reply !== undefined) return reply === 421;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}

function replyCode(err: unknown): number | undefined {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' ? code : undefined;
}

function replyText(err: unknown): string | null {
  const text = (err as { response?: unknown }).response;
  return typeof text === 'string' ? text.slice(0, REPLY_KEPT_CHARS) : null;
}

/** The same for every run of a job (the outbox row is the job's), so a receiver can tell a repeat from a new message. */
function messageIdOf(delivery: EmailDelivery, account: MailAccount): string {
  return `<${delivery.id}@${domainOf(account.from_address)}>`;
}

function recorded(delivery: EmailDelivery, deliveryId: string, messageId: string): { [key: string]: JsonValue } {
  return { delivered: true, delivery_id: deliveryId, provider: delivery.provider, message_id: messageId, response: delivery.response_body ?? '', repeated: true };
}

function addressOf(value: string | { address: string }): string {
  return typeof value === 'string' ? value : value.address;
}

function domainOf(addressText: string): string {
  return addressText.slice(addressText.lastIndexOf('@') + 1);
}
