import { createApiKey, revokeApiKey } from '../src/api-keys';
import type { Queryable } from '../src/database';
import { KeyResolver } from '../src/key-resolver';
import { freshPglite, useMigratedDatabase } from './support/databases';

describe('KeyResolver', () => {
  const t = useMigratedDatabase(freshPglite);

  /** The test database, counting the queries that reach it. */
  function counted(): { db: Queryable; count: () => number } {
    let queries = 0;
    const db = t().db;
    const counting: Queryable = {
      query: <R extends object>(text: string, params?: unknown[]) => {
        queries += 1;
        return db.query<R>(text, params);
      },
      exec: (sql) => db.exec(sql),
    };
    return { db: counting, count: () => queries };
  }

  it('answers from its cache within the TTL and honours a revocation once it has passed', async () => {
    let clock = 1_000_000;
    const { db, count } = counted();
    const resolver = new KeyResolver({ db, ttlMs: 2000, now: () => clock });
    const { key, secret } = await createApiKey(t().db, { workspace_id: 'ws-a', actor_id: 'al', scopes: ['actions:execute'] });
    expect(await resolver.resolve(secret)).toMatchObject({ workspace_id: 'ws-a' });
    expect(await resolver.resolve(secret)).toMatchObject({ workspace_id: 'ws-a' });
    expect(count()).toBe(1);
    await revokeApiKey(t().db, key.id);
    clock += 1999;
    expect(await resolver.resolve(secret)).not.toBeNull();
    clock += 1;
    expect(await resolver.resolve(secret)).toBeNull();
    expect(count()).toBe(2);
  });

  it('caches unknown keys too, and shares one query between concurrent requests', async () => {
    const { db, count } = counted();
    const resolver = new KeyResolver({ db });
    const bad = `oc_live_${'b'.repeat(43)}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(bad)));
    expect(answers.every((a) => a === null)).toBe(true);
    await resolver.resolve(bad);
    expect(count()).toBe(1);
  });

  it('keeps at most maxEntries keys', async () => {
    const { db, count } = counted();
    const resolver = new KeyResolver({ db, maxEntries: 2 });
    const secrets = ['c', 'd', 'e'].map((ch) => `oc_live_${ch.repeat(43)}`);
    for (const s of secrets) await resolver.resolve(s);
    await resolver.resolve(secrets[2] as string);
    expect(count()).toBe(3);
    await resolver.resolve(secrets[0] as string);
    expect(count()).toBe(4);
  });
});
