/**
 * A workspace's mail accounts (`pnpm keys mail`), one per provider: Gmail and Outlook are
 * presets (their SMTP servers are fixed here; the password is an app password), `smtp` is any
 * server the operator names. The password is kept encrypted (credential-cipher.ts) and is
 * decrypted only by the process that sends.
 */
import { WORKSPACE_ID_PATTERN } from '@opsconductor/jobs';
import { ApiKeyInputError } from './api-keys';
import type { CredentialCipher } from './credential-cipher';
import type { Queryable } from './database';

export const MAIL_PROVIDERS = ['gmail', 'outlook', 'smtp'] as const;
export type MailProvider = (typeof MAIL_PROVIDERS)[number];

/** implicit: TLS from the first byte (port 465); starttls: plain, then upgraded (587), never sending without TLS. */
export type SmtpTls = 'implicit' | 'starttls';

export interface SmtpServer {
  host: string;
  port: number;
  tls: SmtpTls;
}

/** The providers' published submission servers. */
export const MAIL_PRESETS: Readonly<Record<Exclude<MailProvider, 'smtp'>, SmtpServer>> = {
  gmail: { host: 'smtp.gmail.com', port: 465, tls: 'implicit' },
  outlook: { host: 'smtp.office365.com', port: 587, tls: 'starttls' },
};

/** An account as listed: everything but the password. */
export interface MailAccountSummary {
  workspace_id: string;
  provider: MailProvider;
  username: string;
  from_address: string;
  server: SmtpServer;
  updated_at: string;
}

/** An account ready to send with: its password decrypted. */
export interface MailAccount extends MailAccountSummary {
  password: string;
}

export interface MailAccountInput {
  workspace_id: string;
  provider: MailProvider;
  username: string;
  from_address: string;
  password: string;
  /** Required for `smtp`, refused for the presets. */
  server?: SmtpServer;
}

interface Row {
  workspace_id: string;
  provider: MailProvider;
  username: string;
  from_address: string;
  secret_ciphertext: string;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_tls: SmtpTls | null;
  updated_at: string;
}

const COLUMNS = `workspace_id, provider, username, from_address, secret_ciphertext, smtp_host, smtp_port, smtp_tls,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`;

// Deliberately plain: the SMTP server is the judge of an address; this only keeps junk out of the From line.
const ADDRESS = /^[^\s@<>()",;:\\]{1,64}@[A-Za-z0-9.-]{1,253}$/;
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** What binds a stored password to its row (associated data of the encryption). */
export function mailAccountOwner(workspaceId: string, provider: MailProvider): string {
  return `mail_accounts/${workspaceId}/${provider}`;
}

function check(input: MailAccountInput): void {
  if (!WORKSPACE_ID_PATTERN.test(input.workspace_id)) throw new ApiKeyInputError('workspace_id', `must match ${WORKSPACE_ID_PATTERN.source}`);
  if (!MAIL_PROVIDERS.includes(input.provider)) throw new ApiKeyInputError('provider', `must be one of ${MAIL_PROVIDERS.join(', ')}`);
  if (input.username.length < 1 || input.username.length > 320 || /[\r\n]/.test(input.username)) throw new ApiKeyInputError('username', 'must be 1–320 characters on one line');
  if (!ADDRESS.test(input.from_address)) throw new ApiKeyInputError('from_address', 'must be an address like name@example.com');
  if (input.password.length < 1 || input.password.length > 1024) throw new ApiKeyInputError('password', 'must be 1–1024 characters');
  if (input.provider === 'smtp') {
    const server = input.server;
    if (!server) throw new ApiKeyInputError('server', 'provider smtp needs a host, port and TLS mode');
    if (!HOST.test(server.host)) throw new ApiKeyInputError('host', 'must be a host name or IPv4 address');
    if (!(Number.isInteger(server.port) && server.port >= 1 && server.port <= 65535)) throw new ApiKeyInputError('port', 'must be from 1 to 65535');
    if (server.tls !== 'implicit' && server.tls !== 'starttls') throw new ApiKeyInputError('tls', 'must be implicit or starttls');
  } else if (input.server) {
    throw new ApiKeyInputError('server', `${input.provider} is a preset (${MAIL_PRESETS[input.provider].host}); its server cannot be changed`);
  }
}

/** Creates or replaces the workspace's account of that provider. */
export async function setMailAccount(db: Queryable, cipher: CredentialCipher, input: MailAccountInput): Promise<MailAccountSummary> {
  check(input);
  const secret = cipher.encrypt(input.password, mailAccountOwner(input.workspace_id, input.provider));
  const server = input.provider === 'smtp' ? input.server : undefined;
  const { rows } = await db.query<Row>(
    `INSERT INTO mail_accounts (workspace_id, provider, username, from_address, secret_ciphertext, smtp_host, smtp_port, smtp_tls)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (workspace_id, provider) DO UPDATE SET username = $3, from_address = $4, secret_ciphertext = $5,
       smtp_host = $6, smtp_port = $7, smtp_tls = $8, updated_at = now()
     RETURNING ${COLUMNS}`,
    [input.workspace_id, input.provider, input.username, input.from_address, secret, server?.host ?? null, server?.port ?? null, server?.tls ?? null],
  );
  return summary(rows[0] as Row);
}

/** The account with its password decrypted, or undefined when the workspace has none for that provider. */
export async function getMailAccount(db: Queryable, cipher: CredentialCipher, workspaceId: string, provider: MailProvider): Promise<MailAccount | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM mail_accounts WHERE workspace_id = $1 AND provider = $2`, [workspaceId, provider]);
  const row = rows[0];
  if (!row) return undefined;
  return { ...summary(row), password: cipher.decrypt(row.secret_ciphertext, mailAccountOwner(workspaceId, provider)) };
}

/** The workspace's accounts without their passwords. */
export async function listMailAccounts(db: Queryable, workspaceId: string): Promise<MailAccountSummary[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM mail_accounts WHERE workspace_id = $1 ORDER BY provider`, [workspaceId]);
  return rows.map(summary);
}

/** Removes one account (true when there was one). */
export async function removeMailAccount(db: Queryable, workspaceId: string, provider: MailProvider): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM mail_accounts WHERE workspace_id = $1 AND provider = $2 RETURNING 1', [workspaceId, provider]);
  return rows.length > 0;
}

/** Deletes every account of a workspace (the whole-workspace erase). Returns how many. */
export async function eraseMailAccounts(db: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('WITH d AS (DELETE FROM mail_accounts WHERE workspace_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d', [workspaceId]);
  return rows[0]?.n ?? 0;
}

function summary(row: Row): MailAccountSummary {
  const server: SmtpServer =
    row.provider === 'smtp' ? { host: row.smtp_host as string, port: row.smtp_port as number, tls: row.smtp_tls as SmtpTls } : MAIL_PRESETS[row.provider];
  return { workspace_id: row.workspace_id, provider: row.provider, username: row.username, from_address: row.from_address, server, updated_at: row.updated_at };
}
