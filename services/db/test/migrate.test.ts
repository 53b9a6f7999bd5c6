import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR, migrate } from '../src/migrate';
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

describe('0007: allowlists naming llm gain llm.complete', () => {
  it('adds the new name beside the old one, once, and leaves other lists alone', async () => {
    const t = await freshPostgres();
    try {
      await migrate(t.db);
      await t.db.query(
        `INSERT INTO workspace_settings (workspace_id, allowed_actions) VALUES
           ('ws-old', ARRAY['echo', 'llm']), ('ws-both', ARRAY['llm', 'llm.complete']), ('ws-none', ARRAY['echo']), ('ws-default', NULL)`,
      );
      // The file as the migration runs it, on rows written in the old names.
      await t.db.exec(readFileSync(path.join(MIGRATIONS_DIR, '0007_llm_complete.sql'), 'utf8'));
      const { rows } = await t.db.query<{ workspace_id: string; allowed_actions: string[] | null }>('SELECT workspace_id, allowed_actions FROM workspace_settings ORDER BY workspace_id');
      expect(rows).toEqual([
        { workspace_id: 'ws-both', allowed_actions: ['llm', 'llm.complete'] },
        { workspace_id: 'ws-default', allowed_actions: null },
        { workspace_id: 'ws-none', allowed_actions: ['echo'] },
        { workspace_id: 'ws-old', allowed_actions: ['echo', 'llm', 'llm.complete'] },
      ]);
    } finally {
      await t.drop();
    }
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
