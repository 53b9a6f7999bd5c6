import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The SMTP envelope: MAIL FROM and every RCPT TO (bcc included). */
  from: string;
  to: string[];
  /** Who logged in. */
  user: string;
  parsed: ParsedMail;
}

export interface SmtpReceiver {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** Logins refused (wrong user or password). */
  refusedLogins: number;
  /** The next `n` messages are answered with `reply` (e.g. 451 to defer, 554 to refuse) after their data. */
  failNext(n: number, code: number, message: string): void;
  /** Stops answering the end of data until released (a stalled server). */
  stallData(): { release(): void };
  /** Resolves when `n` messages have arrived. */
  waitForMails(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (the smtp-server package): AUTH PLAIN/LOGIN against one user,
 * no TLS, messages parsed with mailparser. Recipients on the `refused.example` domain are refused
 * at RCPT with 550, as a real server refuses an unknown mailbox.
 */
export async function startSmtpReceiver(login: { user: string; pass: string }): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  let refusedLogins = 0;
  let failures: { left: number; code: number; message: string } = { left: 0, code: 0, message: '' };
  let stall: Promise<void> | undefined;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.user && auth.password === login.pass) return callback(null, { user: auth.username });
      refusedLogins += 1;
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@refused.example')) return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          if (stall) await stall;
          if (failures.left > 0) {
            failures.left -= 1;
            return callback(Object.assign(new Error(failures.message), { responseCode: failures.code }));
          }
          const parsed = await simpleParser(Buffer.concat(chunks));
          const envelope = session.envelope;
          mails.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map((r) => r.address),
            user: String(session.user),
            parsed,
          });
          for (const wake of waiters.splice(0)) wake();
          return callback(null, `OK queued as ${mails.length}`);
        })();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get refusedLogins() {
      return refusedLogins;
    },
    failNext(n, code, message) {
      failures = { left: n, code, message };
    },
    stallData() {
      let release = () => undefined as void;
      stall = new Promise<void>((resolve) => {
        release = () => {
          stall = undefined;
          resolve();
        };
      });
      return { release };
    },
    async waitForMails(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} mails, got ${mails.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
