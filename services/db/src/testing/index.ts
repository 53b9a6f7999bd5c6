/**
 * Databases for tests of any package: a fresh database on the machine's PostgreSQL server (one per
 * test file, dropped afterwards), or an in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase } from '../database';
import type { Database } from '../database';

/** The PostgreSQL server of this machine and CI (trust auth); each test file gets its own database. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  db: Database;
  /** The URL of the PostgreSQL database (undefined for PGlite). */
  url?: string;
  drop(): Promise<void>;
}

/** One connection to `url` for the length of `run`, closed whatever happens. */
export async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const admin = <T>(run: (client: Client) => Promise<T>): Promise<T> => withClient(POSTGRES_ADMIN_URL, run);

/** A new, empty database on the real PostgreSQL server, dropped afterwards. */
export async function freshPostgres(): Promise<TestDatabase> {
  const name = `oc_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), maxConnections: 4 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A new in-memory PGlite. */
export async function freshPglite(): Promise<TestDatabase> {
  const db = await openDatabase({});
  return { db, drop: () => db.close() };
}

/** Both kinds the platform runs on: every suite runs against each. */
export const DATABASE_KINDS: Array<[string, () => Promise<TestDatabase>]> = [
  ['PostgreSQL', freshPostgres],
  ['PGlite', freshPglite],
];
