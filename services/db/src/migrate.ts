import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Umzug } from 'umzug';
import type { Database, Queryable } from './database';

/** Versioned SQL files, applied in name order (`0001_…sql`); works from src/ and dist/. */
export const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

/** Any fixed number: the advisory lock that lets one process at a time migrate. */
const MIGRATION_LOCK = 4_212_001;

/**
 * Applies the migrations not applied yet, all in one transaction (a failing file leaves the
 * schema as it was), under an advisory lock so services starting together take turns; the
 * others then find nothing to do. Returns the names applied. Umzug keeps the order and the
 * bookkeeping; `schema_migrations` remembers what ran.
 */
export async function migrate(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const umzug = new Umzug({
      migrations: {
        glob: ['*.sql', { cwd: MIGRATIONS_DIR }],
        resolve: ({ name, path: file }) => ({ name, up: () => tx.exec(readFileSync(file as string, 'utf8')) }),
      },
      storage: migrationTable(tx),
      logger: undefined,
    });
    return (await umzug.up()).map((m) => m.name);
  });
}

function migrationTable(tx: Queryable) {
  return {
    executed: async () => (await tx.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name),
    logMigration: async ({ name }: { name: string }) => void (await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name])),
    unlogMigration: async ({ name }: { name: string }) => void (await tx.query('DELETE FROM schema_migrations WHERE name = $1', [name])),
  };
}
