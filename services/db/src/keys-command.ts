/**
 * `pnpm keys create|list|revoke`: API keys from the command line, against DATABASE_URL or the
 * local PGlite under PGLITE_DIR (default .data/pglite). Migrations run first (idempotent).
 * Exit codes: 0 done, 1 failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { ApiKeyInputError, createApiKey, listApiKeys, revokeApiKey, SCOPES } from './api-keys';
import type { ApiKey } from './api-keys';
import { openDatabase } from './database';
import { getWorkspaceSettings, setWorkspaceSettings } from './workspace-settings';
import type { WorkspaceSettingsChange } from './workspace-settings';
import { migrate } from './migrate';

export const USAGE = `usage:
  pnpm keys create --workspace <id> --actor <id> [--scopes ${SCOPES.join(',')}] [--name <text>] [--expires-in-days <n>]
  pnpm keys list [--workspace <id>] [--json]
  pnpm keys revoke <key id>
  pnpm keys settings <workspace> [--rate-limit <per minute>|default] [--allow-actions <a,b,…>|default]
                                 [--webhook-hosts <host,host,…>|none] [--json]
The database is DATABASE_URL, else the PGlite files under PGLITE_DIR (default .data/pglite).
A new key's secret is printed once; only its hash is stored.
settings without options prints a workspace's settings; "default" resets one to the service's
default (RATE_LIMIT_PER_MINUTE, ALLOW_ACTIONS_DEFAULT); --webhook-hosts lists the exact host names
webhook.post may call ("none": no webhooks). Services see a change within seconds.`;

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
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
    if (err instanceof ApiKeyInputError) {
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
  | { command: 'settings'; workspace: string; change: WorkspaceSettingsChange; json: boolean };

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
  throw new UsageError(`unknown command: ${command}`);
}

function table(keys: ApiKey[]): string[] {
  const header = ['id', 'prefix', 'workspace', 'actor', 'scopes', 'expires', 'revoked', 'name'];
  const rows = keys.map((k) => [k.id, `${k.prefix}…`, k.workspace_id, k.actor_id, k.scopes.join(','), k.expires_at ?? '-', k.revoked_at ?? '-', k.name ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd());
}
