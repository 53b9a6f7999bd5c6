/**
 * `pnpm keys create|list|revoke`: API keys from the command line, against DATABASE_URL or the
 * local PGlite under PGLITE_DIR (default .data/pglite). Migrations run first (idempotent).
 * Exit codes: 0 done, 1 failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { ApiKeyInputError, createApiKey, listApiKeys, revokeApiKey, SCOPES } from './api-keys';
import type { ApiKey } from './api-keys';
import { CREDENTIALS_KEY_HINT, CredentialKeyError, createCredentialCipher } from './credential-cipher';
import { openDatabase } from './database';
import { MAIL_PROVIDERS, listMailAccounts, removeMailAccount, setMailAccount } from './mail-accounts';
import type { MailAccountSummary, MailProvider, SmtpTls } from './mail-accounts';
import { getWorkspaceSettings, setWorkspaceSettings } from './workspace-settings';
import type { WorkspaceSettingsChange } from './workspace-settings';
import { migrate } from './migrate';

export const USAGE = `usage:
  pnpm keys create --workspace <id> --actor <id> [--scopes ${SCOPES.join(',')}] [--name <text>] [--expires-in-days <n>]
  pnpm keys list [--workspace <id>] [--json]
  pnpm keys revoke <key id>
  pnpm keys settings <workspace> [--rate-limit <per minute>|default] [--allow-actions <a,b,…>|default]
                                 [--webhook-hosts <host,host,…>|none] [--json]
  pnpm keys mail <workspace> [--json]
  pnpm keys mail <workspace> --provider gmail|outlook --user <login> --from <address> --password-stdin
  pnpm keys mail <workspace> --provider smtp --host <host> --port <n> --tls implicit|starttls
                             --user <login> --from <address> --password-stdin
  pnpm keys mail <workspace> --provider <provider> --remove
The database is DATABASE_URL, else the PGlite files under PGLITE_DIR (default .data/pglite).
A new key's secret is printed once; only its hash is stored.
settings without options prints a workspace's settings; "default" resets one to the service's
default (RATE_LIMIT_PER_MINUTE, ALLOW_ACTIONS_DEFAULT); --webhook-hosts lists the exact host names
webhook.post may call ("none": no webhooks). Services see a change within seconds.
mail sets the account gmail.send / outlook.send / email.send sends with; the password (for Gmail
and Outlook an app password) is read from standard input, never from arguments, and stored
encrypted with CREDENTIALS_ENCRYPTION_KEY (the same key ai-pipeline has).`;

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Standard input, whole (the mail password); absent when there is none to read. */
  readStdin?: () => Promise<string>;
}

class UsageError extends Error {}

export async function runKeysCommand(argv: string[], io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  const db = await openDatabase({ url: io.env.DATABASE_URL || undefined, pgliteDir: io.env.PGLITE_DIR || '.data/pglite' });
  try {
    await migrate(db);
    switch (parsed.command) {
      case 'create': {
        const { key, secret } = await createApiKey(db, parsed.input);
        io.out(secret);
        io.err(`created key ${key.id} (${key.prefix}…) for workspace ${key.workspace_id}, actor ${key.actor_id}, scopes ${key.scopes.join(',')}; the secret above is shown only now`);
        return 0;
      }
      case 'list': {
        const keys = await listApiKeys(db, parsed.workspace ? { workspace_id: parsed.workspace } : {});
        if (parsed.json) io.out(JSON.stringify(keys, null, 2));
        else for (const line of table(keys)) io.out(line);
        return 0;
      }
      case 'revoke': {
        const key = await revokeApiKey(db, parsed.id);
        if (!key) {
          io.err(`no key with id ${parsed.id}`);
          return 1;
        }
        io.out(`revoked ${key.id} (${key.prefix}…) at ${key.revoked_at}`);
        return 0;
      }
      case 'mail': {
        if (parsed.set === undefined && !parsed.remove) {
          const accounts = await listMailAccounts(db, parsed.workspace);
          if (parsed.json) io.out(JSON.stringify(accounts, null, 2));
          else if (accounts.length === 0) io.out(`workspace ${parsed.workspace} has no mail account`);
          else for (const a of accounts) io.out(describeAccount(a));
          return 0;
        }
        if (parsed.remove) {
          const removed = await removeMailAccount(db, parsed.workspace, parsed.provider as MailProvider);
          io.out(removed ? `removed the ${parsed.provider} account of ${parsed.workspace}` : `workspace ${parsed.workspace} had no ${parsed.provider} account`);
          return 0;
        }
        const key = io.env.CREDENTIALS_ENCRYPTION_KEY;
        if (!key) throw new UsageError(`mail needs CREDENTIALS_ENCRYPTION_KEY in the environment (${CREDENTIALS_KEY_HINT})`);
        const cipher = createCredentialCipher(key);
        // Only the one line typed or piped: a trailing newline is not part of the password.
        const password = (await (io.readStdin ?? (() => Promise.resolve('')))()).replace(/\r?\n$/, '');
        if (password === '') throw new UsageError('--password-stdin: standard input was empty');
        const saved = await setMailAccount(db, cipher, { ...(parsed.set as Omit<Parameters<typeof setMailAccount>[2], 'password'>), password });
        if (parsed.json) io.out(JSON.stringify(saved, null, 2));
        else io.out(`saved ${describeAccount(saved)}`);
        return 0;
      }
      case 'settings': {
        const changed = Object.keys(parsed.change).length > 0;
        const settings = changed ? await setWorkspaceSettings(db, parsed.workspace, parsed.change) : await getWorkspaceSettings(db, parsed.workspace);
        if (parsed.json) io.out(JSON.stringify(settings, null, 2));
        else {
          io.out(`workspace ${settings.workspace_id}`);
          io.out(`  rate limit:      ${settings.rate_limit_per_minute === null ? 'default' : `${settings.rate_limit_per_minute} requests/minute`}`);
          io.out(`  allowed actions: ${settings.allowed_actions === null ? 'default' : settings.allowed_actions.join(',') || '(none)'}`);
          io.out(`  webhook hosts:   ${settings.webhook_hosts?.join(',') || '(none)'}`);
        }
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ApiKeyInputError || err instanceof UsageError || err instanceof CredentialKeyError) {
      io.err(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    await db.close();
  }
}

type Parsed =
  | { command: 'help' }
  | { command: 'create'; input: Parameters<typeof createApiKey>[1] }
  | { command: 'list'; workspace?: string; json: boolean }
  | { command: 'revoke'; id: string }
  | { command: 'settings'; workspace: string; change: WorkspaceSettingsChange; json: boolean }
  | { command: 'mail'; workspace: string; json: boolean; remove: boolean; provider?: MailProvider; set?: MailChange };

type MailChange = { workspace_id: string; provider: MailProvider; username: string; from_address: string; server?: { host: string; port: number; tls: SmtpTls } };

function parse(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      actor: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'expires-in-days': { type: 'string' },
      'rate-limit': { type: 'string' },
      'allow-actions': { type: 'string' },
      'webhook-hosts': { type: 'string' },
      provider: { type: 'string' },
      user: { type: 'string' },
      from: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      remove: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (command === undefined || command === 'help' || command === '--help' || values.help) return { command: 'help' };
  if (command === 'create') {
    if (!values.workspace || !values.actor) throw new UsageError('create needs --workspace and --actor');
    const days = values['expires-in-days'];
    if (days !== undefined && !/^[1-9]\d{0,4}$/.test(days)) throw new UsageError('--expires-in-days must be a whole number of days');
    return {
      command,
      input: {
        workspace_id: values.workspace,
        actor_id: values.actor,
        scopes: (values.scopes ?? 'actions:preview,actions:execute').split(',').map((s) => s.trim()),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(days !== undefined ? { expires_at: new Date(Date.now() + Number(days) * 86_400_000) } : {}),
      },
    };
  }
  if (command === 'list') return { command, json: values.json === true, ...(values.workspace ? { workspace: values.workspace } : {}) };
  if (command === 'revoke') {
    if (positionals.length !== 1) throw new UsageError('revoke needs one key id');
    return { command, id: positionals[0] as string };
  }
  if (command === 'settings') {
    if (positionals.length !== 1) throw new UsageError('settings needs one workspace id');
    const change: WorkspaceSettingsChange = {};
    const limit = values['rate-limit'];
    if (limit !== undefined) {
      if (limit !== 'default' && !/^[1-9]\d{0,6}$/.test(limit)) throw new UsageError('--rate-limit must be a whole number of requests per minute, or default');
      change.rate_limit_per_minute = limit === 'default' ? null : Number(limit);
    }
    const actions = values['allow-actions'];
    if (actions !== undefined) change.allowed_actions = actions === 'default' ? null : actions.split(',').map((a) => a.trim()).filter((a) => a !== '');
    const hosts = values['webhook-hosts'];
    if (hosts !== undefined) change.webhook_hosts = hosts === 'none' ? null : hosts.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
    return { command, workspace: positionals[0] as string, change, json: values.json === true };
  }
  if (command === 'mail') return parseMail(values, positionals);
  throw new UsageError(`unknown command: ${command}`);
}

function parseMail(values: Record<string, string | boolean | undefined>, positionals: string[]): Parsed {
  if (positionals.length !== 1) throw new UsageError('mail needs one workspace id');
  const workspace = positionals[0] as string;
  const json = values.json === true;
  const provider = values.provider as string | undefined;
  const setting = ['user', 'from', 'host', 'port', 'tls', 'password-stdin'].filter((o) => values[o] !== undefined);
  if (provider === undefined) {
    if (setting.length > 0 || values.remove) throw new UsageError('mail: --provider is needed to set or remove an account');
    return { command: 'mail', workspace, json, remove: false };
  }
  if (!(MAIL_PROVIDERS as readonly string[]).includes(provider)) throw new UsageError(`--provider must be one of ${MAIL_PROVIDERS.join(', ')}`);
  const chosen = provider as MailProvider;
  if (values.remove) {
    if (setting.length > 0) throw new UsageError('mail --remove takes no other account options');
    return { command: 'mail', workspace, json, remove: true, provider: chosen };
  }
  if (typeof values.user !== 'string' || typeof values.from !== 'string') throw new UsageError('mail needs --user and --from to set an account');
  if (values['password-stdin'] !== true) throw new UsageError('mail needs --password-stdin: the password is read from standard input, never from arguments');
  const set: MailChange = { workspace_id: workspace, provider: chosen, username: values.user, from_address: values.from };
  const server = ['host', 'port', 'tls'].filter((o) => values[o] !== undefined);
  if (chosen === 'smtp') {
    const port = values.port as string | undefined;
    if (typeof values.host !== 'string' || port === undefined || values.tls === undefined) throw new UsageError('mail --provider smtp needs --host, --port and --tls');
    if (!/^\d{1,5}$/.test(port)) throw new UsageError('--port must be a port number');
    if (values.tls !== 'implicit' && values.tls !== 'starttls') throw new UsageError('--tls must be implicit or starttls');
    set.server = { host: values.host, port: Number(port), tls: values.tls };
  } else if (server.length > 0) {
    throw new UsageError(`--${server.join(', --')}: ${chosen} is a preset whose server cannot be changed; use --provider smtp for another server`);
  }
  return { command: 'mail', workspace, json, remove: false, provider: chosen, set };
}

function describeAccount(a: MailAccountSummary): string {
  return `${a.provider} account of ${a.workspace_id}: ${a.username}, from ${a.from_address}, via ${a.server.host}:${a.server.port} (${a.server.tls} TLS), updated ${a.updated_at}`;
}

function table(keys: ApiKey[]): string[] {
  const header = ['id', 'prefix', 'workspace', 'actor', 'scopes', 'expires', 'revoked', 'name'];
  const rows = keys.map((k) => [k.id, `${k.prefix}…`, k.workspace_id, k.actor_id, k.scopes.join(','), k.expires_at ?? '-', k.revoked_at ?? '-', k.name ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd());
}
