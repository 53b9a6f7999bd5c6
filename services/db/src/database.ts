/**
 * One interface over the two places the platform keeps its relational data: PostgreSQL when
 * DATABASE_URL is set (compose, production), else PGlite, PostgreSQL compiled to WASM and run
 * in the process, with its files under a data directory (local start, tests). Both speak the
 * same SQL, so the migrations and queries are the same.
 */
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { z } from 'zod';

export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements at once, without parameters (migration files). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; when absent, PGlite. */
  url?: string;
  /** PGlite's data directory (created if missing); absent: in memory, gone on close. */
  pgliteDir?: string;
  /** Largest number of PostgreSQL connections (default 10). */
  maxConnections?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts.maxConnections ?? 10) : openPglite(opts.pgliteDir);
}

function openPostgres(url: string, max: number): Database {
  const pool = new Pool({ connectionString: url, max });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const exec = async (run: (sql: string) => Promise<unknown>, sql: string) => void (await run(sql));
  return {
    kind: 'postgres',
    query: async (text, params) => pool.query(text, params as unknown[]),
    exec: (sql) => exec((s) => pool.query(s), sql),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: async (text, params) => client.query(text, params as unknown[]), exec: (sql) => exec((s) => client.query(s), sql) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string | undefined): Promise<Database> {
  const db = await PGlite.create(dir);
  return {
    kind: 'pglite',
    query: async (text, params) => db.query(text, params),
    exec: async (sql) => void (await db.exec(sql)),
    transaction: (work) => db.transaction((tx) => work({ query: async (text, params) => tx.query(text, params), exec: async (sql) => void (await tx.exec(sql)) })),
    close: () => db.close(),
  };
}

/**
 * The environment of every user of the database (services, the keys CLI): spread into a
 * service's config schema so all read the same variables the same way.
 */
export const databaseEnv = {
  /** postgres://… ; unset or empty: the embedded PGlite under PGLITE_DIR (one process only). */
  DATABASE_URL: databaseUrl(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
};

/**
 * An optional postgres:// URL. A bad one is reported without its value: the kit's config
 * errors quote the value of the variable they name, and this one holds a password, so the
 * problem is named `DATABASE_URL.value` instead.
 */
function databaseUrl() {
  return z
    .string()
    .optional()
    .transform((value) => value?.trim() || undefined)
    .superRefine((value, ctx) => {
      if (value !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(value)) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'expected postgres://user:password@host:5432/database (the value is not shown)' });
      }
    });
}
