import { migrate } from '../src/migrate';
import { DATABASE_KINDS, freshPostgres } from './support/databases';
import type { TestDatabase } from './support/databases';

describe.each(DATABASE_KINDS)('migrations on %s', (_kind, fresh) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await fresh();
  });
  afterEach(() => t.drop());

  it('applies every migration once, in order, and records it', async () => {
    const applied = await migrate(t.db);
    expect(applied[0]).toBe('0001_api_keys.sql');
    expect([...applied].sort()).toEqual(applied);
    const { rows } = await t.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(applied);
    // A second run (the next start) finds nothing to do.
    expect(await migrate(t.db)).toEqual([]);
    await expect(t.db.query('SELECT count(*) FROM api_keys')).resolves.toBeDefined();
  });
});

describe('migrations from processes starting together', () => {
  it('run once: the advisory lock makes the others wait and then find nothing to do', async () => {
    const t = await freshPostgres();
    try {
      const results = await Promise.all([migrate(t.db), migrate(t.db), migrate(t.db)]);
      const applied = results.flat();
      expect(applied.filter((name) => name === '0001_api_keys.sql')).toHaveLength(1);
    } finally {
      await t.drop();
    }
  });
});
