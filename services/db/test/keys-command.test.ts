import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveApiKey } from '../src/api-keys';
import { openDatabase } from '../src/database';
import { runKeysCommand } from '../src/keys-command';
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
