import { ApiKeyInputError, createApiKey, hashSecret, listApiKeys, resolveApiKey, revokeApiKey } from '../src/api-keys';
import { DATABASE_KINDS, useMigratedDatabase } from './support/databases';

describe.each(DATABASE_KINDS)('API keys on %s', (_kind, fresh) => {
  const t = useMigratedDatabase(fresh);

  const newKey = (ws = 'ws-a', scopes = ['actions:execute']) => createApiKey(t().db, { workspace_id: ws, actor_id: 'alice', scopes, name: 'ci' });

  it('creates a 256-bit secret with a visible prefix, and stores only its hash', async () => {
    const { key, secret } = await newKey();
    expect(secret).toMatch(/^oc_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice('oc_live_'.length), 'base64url')).toHaveLength(32);
    expect(key).toMatchObject({ prefix: secret.slice(0, 12), workspace_id: 'ws-a', actor_id: 'alice', scopes: ['actions:execute'], name: 'ci', revoked_at: null });
    const { rows } = await t().db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [key.id]);
    expect(rows[0]?.secret_hash).toBe(hashSecret(secret));
    expect(JSON.stringify(rows)).not.toContain(secret.slice(12));
  });

  it('resolves a key to its workspace, actor and scopes; anything else resolves to nothing', async () => {
    const { key, secret } = await newKey('ws-b', ['actions:preview', 'admin']);
    await expect(resolveApiKey(t().db, secret)).resolves.toEqual({ key_id: key.id, workspace_id: 'ws-b', actor_id: 'alice', scopes: ['actions:preview', 'admin'] });
    const other = `oc_live_${'A'.repeat(43)}`;
    for (const bad of [other, secret.slice(0, -1), `${secret}x`, secret.toUpperCase(), '', 'Bearer x']) {
      await expect(resolveApiKey(t().db, bad)).resolves.toBeNull();
    }
  });

  it('stops resolving a revoked key, and keeps the first revocation time', async () => {
    const { key, secret } = await newKey();
    const revoked = await revokeApiKey(t().db, key.id);
    expect(revoked?.revoked_at).not.toBeNull();
    await expect(resolveApiKey(t().db, secret)).resolves.toBeNull();
    expect((await revokeApiKey(t().db, key.id))?.revoked_at).toBe(revoked?.revoked_at);
    await expect(revokeApiKey(t().db, '00000000-0000-0000-0000-000000000000')).resolves.toBeNull();
    await expect(revokeApiKey(t().db, 'not-an-id')).resolves.toBeNull();
  });

  it('stops resolving a key at its expiry', async () => {
    const expires = new Date(Date.now() + 60_000);
    const { secret } = await createApiKey(t().db, { workspace_id: 'ws-a', actor_id: 'bob', scopes: ['actions:preview'], expires_at: expires });
    await expect(resolveApiKey(t().db, secret, new Date(expires.getTime() - 1))).resolves.not.toBeNull();
    await expect(resolveApiKey(t().db, secret, expires)).resolves.toBeNull();
  });

  it('lists a workspace\'s keys newest first, without secrets', async () => {
    const { key } = await newKey('ws-list');
    const { key: second } = await newKey('ws-list');
    const listed = await listApiKeys(t().db, { workspace_id: 'ws-list' });
    expect(listed.map((k) => k.id).sort()).toEqual([key.id, second.id].sort());
    expect(JSON.stringify(listed)).not.toMatch(/secret|hash/);
    expect((await listApiKeys(t().db)).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad input by field, writing nothing', async () => {
    const before = (await listApiKeys(t().db)).length;
    const cases: Array<[Parameters<typeof createApiKey>[1], string]> = [
      [{ workspace_id: 'a|b', actor_id: 'x', scopes: ['admin'] }, 'workspace_id'],
      [{ workspace_id: 'ws', actor_id: '', scopes: ['admin'] }, 'actor_id'],
      [{ workspace_id: 'ws', actor_id: 'x', scopes: [] }, 'scopes'],
      [{ workspace_id: 'ws', actor_id: 'x', scopes: ['root'] }, 'scopes'],
      [{ workspace_id: 'ws', actor_id: 'x', scopes: ['admin'], expires_at: new Date('nope') }, 'expires_at'],
    ];
    for (const [input, field] of cases) {
      await expect(createApiKey(t().db, input)).rejects.toMatchObject({ constructor: ApiKeyInputError, field });
    }
    expect((await listApiKeys(t().db)).length).toBe(before);
  });
});
