import { randomBytes } from 'node:crypto';
import { createCredentialCipher, listEmailDeliveries, migrate, setMailAccount } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createCircuitBreakers } from '@opsconductor/kit';
import { isSmtpFailure, sinkServer } from '../src/tools/email-send';
import { closedPort, startService } from './helpers';
import type { TestService } from './helpers';
import { startSmtpReceiver } from './smtp-receiver';
import type { SmtpReceiver } from './smtp-receiver';

const LOGIN = { user: 'ops@example.com', pass: 'abcd efgh ijkl mnop' };

interface Answer {
  status: number;
  body: { success: boolean; output?: Record<string, unknown>; error?: { code: string; message: string; retryable: boolean; details?: Array<{ field: string }> } };
}

describe('gmail.send, outlook.send and email.send through a real SMTP server', () => {
  let database: TestDatabase;
  let receiver: SmtpReceiver;
  let service: TestService;
  const cipher = createCredentialCipher(randomBytes(32).toString('base64'));

  beforeAll(async () => {
    database = await freshPostgres();
    await migrate(database.db);
    receiver = await startSmtpReceiver(LOGIN);
    service = await startService({ db: database.db, email: { cipher, sinkUrl: receiver.url, timeoutMs: 1500 } });
    const account = { username: LOGIN.user, from_address: 'ops@example.com', password: LOGIN.pass };
    await setMailAccount(database.db, cipher, { ...account, workspace_id: 'ws-mail', provider: 'gmail' });
    await setMailAccount(database.db, cipher, { ...account, workspace_id: 'ws-two', provider: 'gmail' });
    await setMailAccount(database.db, cipher, { ...account, workspace_id: 'ws-two', provider: 'outlook' });
    await setMailAccount(database.db, cipher, { ...account, workspace_id: 'ws-smtp', provider: 'smtp', server: { host: 'mail.example.com', port: 587, tls: 'starttls' } });
    await setMailAccount(database.db, cipher, { ...account, password: 'an old password', workspace_id: 'ws-stale', provider: 'gmail' });
  });
  afterAll(async () => {
    await service?.close();
    await receiver?.close();
    await database?.drop();
  });

  const send = async (tool: string, params: unknown, headers: Record<string, string> = { 'x-workspace-id': 'ws-mail' }, via = service): Promise<Answer> =>
    (await via.execute({ input: 'send an email', tool, params }, headers)) as unknown as Answer;
  const message = { to: 'alice@example.com', subject: 'Deploy done', text: 'v2 is live.' };

  it('delivers one email with the account as sender, logged in with the stored password', async () => {
    const before = receiver.mails.length;
    const res = await send('gmail.send', { ...message, cc: ['bob@example.com'], bcc: 'carol@example.com', html: '<p>v2 is live.</p>', reply_to: 'team@example.com' });
    expect(res.status).toBe(200);
    expect(res.body.output).toMatchObject({
      delivered: true,
      provider: 'gmail',
      delivery_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      message_id: expect.stringMatching(/^<[0-9a-f-]{36}@example\.com>$/),
      accepted: ['alice@example.com', 'bob@example.com', 'carol@example.com'],
      rejected: [],
      response: expect.stringContaining('250'),
    });
    const [mail] = await receiver.waitForMails(before + 1).then((m) => m.slice(before));
    expect(mail).toMatchObject({ from: 'ops@example.com', to: ['alice@example.com', 'bob@example.com', 'carol@example.com'], user: LOGIN.user });
    expect(mail?.parsed.subject).toBe('Deploy done');
    expect(mail?.parsed.text?.trim()).toBe('v2 is live.');
    expect(mail?.parsed.html).toContain('<p>v2 is live.</p>');
    expect(mail?.parsed.messageId).toBe(res.body.output?.message_id);
    expect(mail?.parsed.headers.get('x-opsconductor-delivery')).toBe(res.body.output?.delivery_id);
    expect(mail?.parsed.headers.has('bcc')).toBe(false);
    expect(service.logs.text()).not.toContain(LOGIN.pass);
  });

  it('sends once per job however often the job runs, answering the recorded result', async () => {
    const headers = { 'x-workspace-id': 'ws-mail', 'x-job-id': 'job-mail-1' };
    const before = receiver.mails.length;
    const first = await send('gmail.send', message, headers);
    const again = await send('gmail.send', message, headers);
    expect(first.body.output).toMatchObject({ delivered: true, delivery_id: 'job-mail-1' });
    expect(again.body.output).toMatchObject({ delivered: true, delivery_id: 'job-mail-1', repeated: true, message_id: first.body.output?.message_id, response: first.body.output?.response });
    expect(receiver.mails.length - before).toBe(1);
    const rows = await listEmailDeliveries(database.db, 'ws-mail');
    expect(rows.filter((r) => r.job_id === 'job-mail-1')).toMatchObject([{ status: 'delivered', response_status: 250, attempts: 1, recipients: 'alice@example.com' }]);
  });

  it('answers a deferral (4xx) as retryable, and the job run again delivers exactly once', async () => {
    const headers = { 'x-workspace-id': 'ws-mail', 'x-job-id': 'job-mail-deferred' };
    const before = receiver.mails.length;
    receiver.failNext(1, 451, 'Try again later');
    const deferred = await send('gmail.send', message, headers);
    expect(deferred.status).toBe(503);
    expect(deferred.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('deferred the email (SMTP 451)') });
    const retried = await send('gmail.send', message, headers);
    expect(retried.body.output).toMatchObject({ delivered: true, delivery_id: 'job-mail-deferred' });
    expect(receiver.mails.length - before).toBe(1);
    const [row] = (await listEmailDeliveries(database.db, 'ws-mail')).filter((r) => r.job_id === 'job-mail-deferred');
    expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('answers a refusal (5xx) and refused credentials as permanent, without the server text or the password', async () => {
    const refused = await send('gmail.send', { ...message, to: 'nobody@refused.example' });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'BAD_GATEWAY', retryable: false, message: '127.0.0.1 refused the recipients (SMTP 550)' });

    const before = receiver.refusedLogins;
    const stale = await send('gmail.send', message, { 'x-workspace-id': 'ws-stale' });
    expect(stale.status).toBe(502);
    expect(stale.body.error).toMatchObject({ code: 'BAD_GATEWAY', retryable: false, message: expect.stringContaining('set them again with pnpm keys mail') });
    expect(receiver.refusedLogins).toBe(before + 1);
    expect(JSON.stringify(stale.body)).not.toContain('an old password');
    expect(service.logs.text()).not.toContain('an old password');
  });

  it('answers a server that does not answer in time with 504, and one that is down with 503, both retryable', async () => {
    const stall = receiver.stallData();
    try {
      const slow = await send('gmail.send', message);
      expect(slow.status).toBe(504);
      expect(slow.body.error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    } finally {
      stall.release();
    }
    const down = await startService({ db: database.db, email: { cipher, sinkUrl: `smtp://127.0.0.1:${await closedPort()}`, timeoutMs: 1500 } });
    try {
      const res = await send('gmail.send', message, undefined, down);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('could not send through 127.0.0.1 (ESOCKET)') });
    } finally {
      await down.close();
    }
  });

  it('email.send uses the workspace\'s only account, or asks which one', async () => {
    const only = await send('email.send', message);
    expect(only.body.output).toMatchObject({ delivered: true, provider: 'gmail' });
    const several = await send('email.send', message, { 'x-workspace-id': 'ws-two' });
    expect(several.status).toBe(400);
    expect(several.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('several mail accounts (gmail, outlook)') });
    expect(several.body.error?.details?.[0]?.field).toBe('body.params.provider');
    const named = await send('email.send', { ...message, provider: 'outlook' }, { 'x-workspace-id': 'ws-two' });
    expect(named.body.output).toMatchObject({ delivered: true, provider: 'outlook' });
    const outlook = await send('outlook.send', message, { 'x-workspace-id': 'ws-two' });
    expect(outlook.body.output).toMatchObject({ delivered: true, provider: 'outlook' });
    const custom = await send('email.send', message, { 'x-workspace-id': 'ws-smtp' });
    expect(custom.body.output).toMatchObject({ delivered: true, provider: 'smtp' });
  });

  it('answers a workspace without the account, and a call without a workspace, clearly', async () => {
    const none = await send('outlook.send', message);
    expect(none.status).toBe(503);
    expect(none.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, message: expect.stringContaining('has no outlook mail account') });
    const nobody = await send('gmail.send', message, {});
    expect(nobody.status).toBe(400);
    expect(nobody.body.error?.details?.[0]?.field).toBe('headers.x-workspace-id');
  });

  it.each([
    [{ ...message, to: 'not an address' }, 'body.params.to'],
    [{ ...message, subject: 'two\r\nBcc: everyone@example.com' }, 'body.params.subject'],
    [{ to: 'a@example.com', subject: 'no body' }, 'body.params.text'],
    [{ ...message, to: Array.from({ length: 30 }, (_, i) => `u${i}@example.com`), cc: Array.from({ length: 21 }, (_, i) => `c${i}@example.com`) }, 'body.params.to'],
    [{ ...message, from: 'ceo@example.com' }, 'body.params'],
  ])('refuses bad params %# with 400 naming the field, sending nothing', async (params, field) => {
    const before = receiver.mails.length;
    const res = await send('gmail.send', params);
    expect(res.status).toBe(400);
    expect(res.body.error?.details?.map((d) => d.field)).toContain(field);
    expect(receiver.mails.length).toBe(before);
  });

  it('shows the tools unavailable without CREDENTIALS_ENCRYPTION_KEY, and a password stored with another key as permanent', async () => {
    const unconfigured = await startService({ db: database.db });
    const otherKey = await startService({ db: database.db, email: { cipher: createCredentialCipher(randomBytes(32).toString('base64')), sinkUrl: receiver.url } });
    try {
      const tools = (await (await fetch(`${unconfigured.url}/tools`)).json()) as { tools: Array<{ name: string; available: boolean; unavailable_reason?: string }> };
      for (const name of ['email.send', 'gmail.send', 'outlook.send']) {
        expect(tools.tools.find((t) => t.name === name)).toMatchObject({ available: false, unavailable_reason: expect.stringContaining('CREDENTIALS_ENCRYPTION_KEY') });
      }
      const res = await send('gmail.send', message, undefined, unconfigured);
      expect(res.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
      const wrongKey = await send('gmail.send', message, undefined, otherKey);
      expect(wrongKey.status).toBe(503);
      expect(wrongKey.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, message: expect.stringContaining('does not decrypt') });
    } finally {
      await unconfigured.close();
      await otherKey.close();
    }
  });

  it('reads SMTP_SINK_URL as plain or implicit-TLS SMTP', () => {
    expect(sinkServer('smtp://mailpit:1025')).toEqual({ host: 'mailpit', port: 1025, tls: 'none' });
    expect(sinkServer('smtps://sink.example')).toEqual({ host: 'sink.example', port: 465, tls: 'implicit' });
    expect(() => sinkServer('http://mailpit:8025')).toThrow('SMTP_SINK_URL');
  });
});

describe('the smtp circuit breaker', () => {
  let database: TestDatabase;
  let dropper: net.Server;
  let connections = 0;
  const cipher = createCredentialCipher(randomBytes(32).toString('base64'));

  beforeAll(async () => {
    database = await freshPostgres();
    await migrate(database.db);
    await setMailAccount(database.db, cipher, { workspace_id: 'ws-dead', provider: 'gmail', username: 'u', from_address: 'ops@example.com', password: 'p' });
    // A server that is up but dead: it takes each connection and drops it before the greeting.
    dropper = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => dropper?.close(() => resolve()));
    await database?.drop();
  });

  it('opens after the failures of a dead server: later emails answer 503 at once without connecting', async () => {
    const registry = new Registry();
    const smtp = createCircuitBreakers({ name: 'smtp', registry, isFailure: isSmtpFailure, label: 'the SMTP server at', settings: { volumeThreshold: 3, resetMs: 60_000 } });
    const sinkUrl = `smtp://127.0.0.1:${(dropper.address() as AddressInfo).port}`;
    const service = await startService({ db: database.db, email: { cipher, sinkUrl, timeoutMs: 2000, guard: (host, send) => smtp.run(host, send) } });
    try {
      const send = () => service.execute({ input: 'mail', tool: 'gmail.send', params: { to: 'a@example.com', subject: 's', text: 't' } }, { 'x-workspace-id': 'ws-dead' });
      for (let i = 0; i < 3; i += 1) {
        const res = await send();
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('could not send through 127.0.0.1') } });
      }
      expect(connections).toBe(3);
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('the SMTP server at 127.0.0.1 is failing') } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(connections).toBe(3);
      expect(smtp.state('127.0.0.1')).toBe('open');
      expect(await registry.metrics()).toContain('circuit_breaker_state{breaker="smtp",state="open"} 1');
    } finally {
      await service.close();
      smtp.shutdown();
    }
  });

  it('counts only a server that does not answer (or says 421), never a refusal or a login failure', () => {
    expect(isSmtpFailure(Object.assign(new Error('x'), { code: 'ECONNECTION' }))).toBe(true);
    expect(isSmtpFailure(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe(true);
    expect(isSmtpFailure(Object.assign(new Error('x'), { code: 'EPROTOCOL', responseCode: 421 }))).toBe(true);
    expect(isSmtpFailure(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 550 }))).toBe(false);
    expect(isSmtpFailure(Object.assign(new Error('x'), { code: 'EMESSAGE', responseCode: 451 }))).toBe(false);
    expect(isSmtpFailure(Object.assign(new Error('x'), { code: 'EAUTH', responseCode: 535 }))).toBe(false);
  });
});
