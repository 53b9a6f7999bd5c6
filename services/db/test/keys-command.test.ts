import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveApiKey } from '../src/api-keys';
import { openDatabase } from '../src/database';
import { createCredentialCipher } from '../src/credential-cipher';
import { runKeysCommand } from '../src/keys-command';
import { getMailAccount } from '../src/mail-accounts';
import { freshPostgres } from './support/databases';
import type { TestDatabase } from './support/databases';

function io(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { env, out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('pnpm keys on PGlite files (the local default)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'oc-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a key whose secret resolves, lists it, and revokes it', async () => {
    const env = { PGLITE_DIR: dir };
    const created = io(env);
    expect(await runKeysCommand(['create', '--workspace', 'ws-cli', '--actor', 'ops', '--scopes', 'admin', '--name', 'first'], created.io)).toBe(0);
    const secret = created.out[0] as string;
    expect(secret).toMatch(/^oc_live_/);
    const id = /created key ([0-9a-f-]{36})/.exec(created.err.join('\n'))?.[1] as string;

    const listed = io(env);
    expect(await runKeysCommand(['list', '--workspace', 'ws-cli', '--json'], listed.io)).toBe(0);
    expect(JSON.parse(listed.out.join('\n'))).toMatchObject([{ id, workspace_id: 'ws-cli', actor_id: 'ops', scopes: ['admin'], name: 'first' }]);
    expect(listed.out.join('\n')).not.toContain(secret.slice(12));

    // The files persist: another process (here, another open) sees the key.
    const db = await openDatabase({ pgliteDir: dir });
    await expect(resolveApiKey(db, secret)).resolves.toMatchObject({ workspace_id: 'ws-cli', scopes: ['admin'] });
    await db.close();

    const revoked = io(env);
    expect(await runKeysCommand(['revoke', id], revoked.io)).toBe(0);
    const table = io(env);
    expect(await runKeysCommand(['list'], table.io)).toBe(0);
    expect(table.out[0]).toMatch(/^id\s+prefix\s+workspace/);
    expect(table.out[1]).toContain(id);
    // expires '-', revoked at a time, then the name.
    expect(table.out[1]).toMatch(/\s-\s+\d{4}-\d\d-\d\dT\S+Z\s+first$/);
  });

  it('answers usage errors with exit code 2 and the usage, and an unknown key with 1', async () => {
    const env = { PGLITE_DIR: dir };
    for (const argv of [['create', '--workspace', 'ws'], ['frobnicate'], ['revoke'], ['create', '--workspace', 'ws', '--actor', 'a', '--scopes', 'root'], ['create', '--workspace', 'ws', '--actor', 'a', '--expires-in-days', 'soon']]) {
      const r = io(env);
      expect([argv, await runKeysCommand(argv, r.io)]).toEqual([argv, 2]);
      expect(r.err.join('\n')).toContain('usage:');
    }
    const missing = io(env);
    expect(await runKeysCommand(['revoke', '00000000-0000-0000-0000-000000000000'], missing.io)).toBe(1);
  });
});

describe('pnpm keys on PostgreSQL (DATABASE_URL)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshPostgres();
  });
  afterAll(() => t.drop());

  it('migrates the database and creates a key there', async () => {
    const r = io({ DATABASE_URL: t.url });
    expect(await runKeysCommand(['create', '--workspace', 'ws-pg', '--actor', 'ops', '--expires-in-days', '30'], r.io)).toBe(0);
    const grant = await resolveApiKey(t.db, r.out[0] as string);
    expect(grant).toMatchObject({ workspace_id: 'ws-pg', actor_id: 'ops', scopes: ['actions:preview', 'actions:execute'] });
  });
});

describe('pnpm keys settings', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshPostgres();
  });
  afterAll(() => t.drop());

  it('sets, shows and resets a workspace\'s rate limit and allowlist', async () => {
    const env = { DATABASE_URL: t.url };
    const set = io(env);
    expect(await runKeysCommand(['settings', 'ws-set', '--rate-limit', '500', '--allow-actions', 'echo,task.create'], set.io)).toBe(0);
    expect(set.out).toEqual(['workspace ws-set', '  rate limit:      500 requests/minute', '  allowed actions: echo,task.create', '  webhook hosts:   (none)']);
    const reset = io(env);
    expect(await runKeysCommand(['settings', 'ws-set', '--rate-limit', 'default', '--json'], reset.io)).toBe(0);
    expect(JSON.parse(reset.out.join('\n'))).toEqual({ workspace_id: 'ws-set', rate_limit_per_minute: null, allowed_actions: ['echo', 'task.create'], webhook_hosts: null });
    const shown = io(env);
    expect(await runKeysCommand(['settings', 'ws-set'], shown.io)).toBe(0);
    expect(shown.out[1]).toBe('  rate limit:      default');
  });

  it('sets and clears the hosts webhook.post may call, lower-cased', async () => {
    const env = { DATABASE_URL: t.url };
    const set = io(env);
    expect(await runKeysCommand(['settings', 'ws-hooks', '--webhook-hosts', 'Hooks.Example.com, [::1] ,10.0.0.1', '--json'], set.io)).toBe(0);
    expect(JSON.parse(set.out.join('\n'))).toMatchObject({ webhook_hosts: ['hooks.example.com', '[::1]', '10.0.0.1'], allowed_actions: null });
    const cleared = io(env);
    expect(await runKeysCommand(['settings', 'ws-hooks', '--webhook-hosts', 'none'], cleared.io)).toBe(0);
    expect(cleared.out[3]).toBe('  webhook hosts:   (none)');
  });

  it.each([
    [['settings'], 'one workspace id'],
    [['settings', 'ws', '--rate-limit', '0'], '--rate-limit'],
    [['settings', 'ws', '--rate-limit', 'lots'], '--rate-limit'],
    [['settings', 'ws', '--allow-actions', 'Not An Action'], 'allowed_actions'],
    [['settings', 'ws', '--webhook-hosts', '*.example.com'], 'webhook_hosts'],
    [['settings', 'ws', '--webhook-hosts', 'example.com:8443'], 'webhook_hosts'],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const run = io({ DATABASE_URL: t.url });
    expect(await runKeysCommand(argv, run.io)).toBe(2);
    expect(run.err.join('\n')).toContain(message);
  });
});

describe('pnpm keys mail', () => {
  let t: TestDatabase;
  const key = randomBytes(32).toString('base64');
  beforeAll(async () => {
    t = await freshPostgres();
  });
  afterAll(() => t.drop());

  const run = async (argv: string[], stdin?: string, env: NodeJS.ProcessEnv = { DATABASE_URL: t.url, CREDENTIALS_ENCRYPTION_KEY: key }) => {
    const r = io(env);
    const code = await runKeysCommand(argv, { ...r.io, readStdin: async () => stdin ?? '' });
    return { ...r, code };
  };

  it('sets a preset account from standard input, stores it encrypted, lists it without the password and removes it', async () => {
    const set = await run(['mail', 'ws-mail', '--provider', 'gmail', '--user', 'ops@example.com', '--from', 'ops@example.com', '--password-stdin'], 'app pass word\n');
    expect(set.code).toBe(0);
    expect(set.out[0]).toContain('gmail account of ws-mail: ops@example.com, from ops@example.com, via smtp.gmail.com:465 (implicit TLS)');
    const account = await getMailAccount(t.db, createCredentialCipher(key), 'ws-mail', 'gmail');
    expect(account?.password).toBe('app pass word');

    const listed = await run(['mail', 'ws-mail', '--json']);
    expect(JSON.parse(listed.out.join('\n'))).toMatchObject([{ provider: 'gmail', username: 'ops@example.com', server: { host: 'smtp.gmail.com' } }]);
    expect([...listed.out, ...set.out, ...set.err].join('\n')).not.toContain('app pass word');

    const removed = await run(['mail', 'ws-mail', '--provider', 'gmail', '--remove']);
    expect(removed.out).toEqual(['removed the gmail account of ws-mail']);
    expect((await run(['mail', 'ws-mail'])).out).toEqual(['workspace ws-mail has no mail account']);
  });

  it('sets a custom SMTP server', async () => {
    const set = await run(['mail', 'ws-smtp', '--provider', 'smtp', '--host', 'mail.example.com', '--port', '587', '--tls', 'starttls', '--user', 'u', '--from', 'a@example.com', '--password-stdin'], 'pw');
    expect(set.code).toBe(0);
    expect(set.out[0]).toContain('via mail.example.com:587 (starttls TLS)');
  });

  it.each([
    [['mail', 'ws', '--provider', 'gmail', '--user', 'u', '--from', 'a@example.com'], 'pw', '--password-stdin'],
    [['mail', 'ws', '--provider', 'gmail', '--user', 'u', '--from', 'a@example.com', '--password-stdin'], '', 'standard input was empty'],
    [['mail', 'ws', '--provider', 'yahoo', '--user', 'u', '--from', 'a@example.com', '--password-stdin'], 'pw', '--provider must be one of'],
    [['mail', 'ws', '--provider', 'gmail', '--host', 'evil.example', '--user', 'u', '--from', 'a@example.com', '--password-stdin'], 'pw', 'preset'],
    [['mail', 'ws', '--provider', 'smtp', '--user', 'u', '--from', 'a@example.com', '--password-stdin'], 'pw', '--host, --port and --tls'],
    [['mail', 'ws', '--provider', 'gmail', '--user', 'u', '--from', 'not an address', '--password-stdin'], 'pw', 'from_address'],
    [['mail', 'ws', '--user', 'u'], 'pw', '--provider is needed'],
  ])('refuses %j with exit code 2', async (argv, stdin, message) => {
    const r = await run(argv, stdin);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain(message);
  });

  it('needs CREDENTIALS_ENCRYPTION_KEY, a real one, and never prints it', async () => {
    const argv = ['mail', 'ws-k', '--provider', 'outlook', '--user', 'u', '--from', 'a@example.com', '--password-stdin'];
    const missing = await run(argv, 'pw', { DATABASE_URL: t.url });
    expect(missing.code).toBe(2);
    expect(missing.err.join('\n')).toContain('CREDENTIALS_ENCRYPTION_KEY');
    const bad = await run(argv, 'pw', { DATABASE_URL: t.url, CREDENTIALS_ENCRYPTION_KEY: 'not-a-key-at-all' });
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).not.toContain('not-a-key-at-all');
  });
});
