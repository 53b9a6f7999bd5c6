/**
 * The mesh's database on its own (no services): PGlite served over the PostgreSQL protocol to
 * real `pg` clients, the migrations, the development key and the URL file `pnpm keys` reads.
 * One PGlite data directory goes through a developer's starts and stops in order, because
 * creating one costs seconds.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { listApiKeys, MIGRATIONS_DIR, openDatabase, resolveApiKey, revokeApiKey } from '@opsconductor/db';
import type { Database } from '@opsconductor/db';
import { freshPostgres, withClient } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
// The CLI's choice of database is part of what this file checks: `pnpm keys` next to a running mesh.
import { keysCommandEnv } from '../../../services/db/src/keys-cli';
import { runKeysCommand } from '../../../services/db/src/keys-command';
import { DATABASE_URL_FILE, DEV_KEY, DEV_KEY_FILE, freePort, redactUrl, startDatabase } from '../src';
import type { MeshDatabase } from '../src';

const ALL_MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();

const mode = (file: string) => statSync(file).mode & 0o777;

async function withDatabase<T>(url: string, run: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ url, maxConnections: 2 });
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

const connects = (url: string) => withClient(url, async () => true).catch(() => false);

describe('startDatabase with embedded PGlite, through a developer’s starts and stops', () => {
  let dataDir: string;
  let running: MeshDatabase | undefined;
  let firstKey: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mesh-db-'));
    running = await startDatabase({ dataDir });
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const restart = async (opts: { port?: number; devKey?: boolean } = {}): Promise<MeshDatabase> => {
    await running?.stop();
    running = undefined;
    running = await startDatabase({ dataDir, ...opts });
    return running;
  };

  it('serves PGlite on 127.0.0.1 with every migration applied, and writes its URL for `pnpm keys`', async () => {
    const db = running as MeshDatabase;
    expect(db.embedded).toBe(true);
    expect(db.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(db.pgliteDir).toBe(path.join(dataDir, 'pglite'));
    expect(existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(db.migrations).toEqual(ALL_MIGRATIONS);
    const applied = await withClient(db.url, async (c) => (await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows);
    expect(applied.map((r) => r.name)).toEqual(ALL_MIGRATIONS);
    const urlFile = path.join(dataDir, DATABASE_URL_FILE);
    expect(readFileSync(urlFile, 'utf8').trim()).toBe(db.url);
    expect(mode(urlFile)).toBe(0o600);
  });

  it('answers two pg clients at once, and keeps an open transaction from the other', async () => {
    const url = (running as MeshDatabase).url;
    const a = new Client({ connectionString: url });
    const b = new Client({ connectionString: url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      // Different statements with parameters, interleaved: each answer must be its own query's.
      const wrong: string[] = [];
      await Promise.all([
        (async () => {
          for (let i = 0; i < 100; i++) {
            const { rows } = await a.query<{ n: number }>('SELECT $1::int + 1 AS n', [i]);
            if (rows[0]?.n !== i + 1) wrong.push(`a ${i}: ${JSON.stringify(rows)}`);
          }
        })(),
        (async () => {
          for (let i = 0; i < 100; i++) {
            const { rows } = await b.query<{ s: string; k: number }>("SELECT $1::text || '-b' AS s, $2::int AS k", [`v${i}`, i]);
            if (rows[0]?.s !== `v${i}-b` || rows[0]?.k !== i) wrong.push(`b ${i}: ${JSON.stringify(rows)}`);
          }
        })(),
      ]);
      expect(wrong).toEqual([]);

      await a.query('CREATE TABLE concurrency_probe (id int PRIMARY KEY)');
      await a.query('BEGIN');
      await a.query('INSERT INTO concurrency_probe VALUES (1)');
      let committed = false;
      const seenByB = b.query<{ n: number }>('SELECT count(*)::int AS n FROM concurrency_probe').then((r) => ({ n: r.rows[0]?.n, committed }));
      // Give b's query every chance to be answered during a's transaction.
      await a.query('SELECT pg_sleep(0.2)');
      committed = true;
      await a.query('COMMIT');
      const seen = await seenByB;
      // Answered during the transaction: must not see its row. After: must see it.
      expect(seen.n).toBe(seen.committed ? 1 : 0);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('creates the development key in a file only its owner reads, and it resolves through pg', async () => {
    const devKey = (running as MeshDatabase).devKey;
    expect(devKey?.created).toBe(true);
    firstKey = devKey?.secret as string;
    expect(firstKey).toMatch(/^oc_live_/);
    const file = path.join(dataDir, DEV_KEY_FILE);
    expect(devKey?.file).toBe(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(firstKey);
    expect(mode(file)).toBe(0o600);
    await withDatabase((running as MeshDatabase).url, async (db) => {
      expect(db.kind).toBe('postgres');
      expect(await resolveApiKey(db, firstKey)).toEqual({
        key_id: expect.any(String),
        workspace_id: 'dev',
        actor_id: 'developer',
        scopes: ['actions:preview', 'actions:execute', 'admin'],
      });
      expect((await listApiKeys(db, { workspace_id: 'dev' })).map((k) => k.name)).toEqual([DEV_KEY.name]);
    });
  });

  it('`pnpm keys` uses the served database (from the URL file) instead of opening the PGlite files', async () => {
    const env = { PGLITE_DIR: path.join(dataDir, 'pglite') };
    const chosen = keysCommandEnv(env);
    expect(chosen.env.DATABASE_URL).toBe((running as MeshDatabase).url);
    expect(chosen.meshFile).toBe(path.join(dataDir, DATABASE_URL_FILE));
    const out: string[] = [];
    const err: string[] = [];
    expect(await runKeysCommand(['list', '--json'], { env: chosen.env, out: (l) => out.push(l), err: (l) => err.push(l) })).toBe(0);
    expect(err).toEqual([]);
    const keys = JSON.parse(out.join('\n')) as Array<{ workspace_id: string; prefix: string }>;
    expect(keys).toEqual([expect.objectContaining({ workspace_id: 'dev', prefix: firstKey.slice(0, 12) })]);
    // A DATABASE_URL of its own wins.
    expect(keysCommandEnv({ ...env, DATABASE_URL: 'postgres://elsewhere/db' }).env.DATABASE_URL).toBe('postgres://elsewhere/db');
  });

  it('refuses a second start on the same data directory while the first serves it', async () => {
    await expect(startDatabase({ dataDir })).rejects.toThrow(`another mesh is using ${dataDir}`);
    expect(await connects((running as MeshDatabase).url)).toBe(true);
  });

  it('stops the server and removes the URL file; the next start keeps the data and the key, on a chosen port', async () => {
    const before = running as MeshDatabase;
    await before.stop();
    running = undefined;
    expect(existsSync(path.join(dataDir, DATABASE_URL_FILE))).toBe(false);
    expect(await connects(before.url)).toBe(false);

    const port = await freePort();
    const again = await restart({ port });
    expect(again.url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(again.migrations).toEqual([]);
    expect(again.devKey).toEqual({ secret: firstKey, created: false, file: path.join(dataDir, DEV_KEY_FILE) });
  });

  it('replaces a development key that no longer resolves (revoked)', async () => {
    await withDatabase((running as MeshDatabase).url, async (db) => {
      const grant = await resolveApiKey(db, firstKey);
      expect(await revokeApiKey(db, grant?.key_id as string)).not.toBeNull();
    });
    const again = await restart();
    expect(again.devKey?.created).toBe(true);
    const replacement = again.devKey?.secret as string;
    expect(replacement).not.toBe(firstKey);
    expect(readFileSync(path.join(dataDir, DEV_KEY_FILE), 'utf8').trim()).toBe(replacement);
    await withDatabase(again.url, async (db) => {
      expect(await resolveApiKey(db, firstKey)).toBeNull();
      expect((await resolveApiKey(db, replacement))?.workspace_id).toBe('dev');
    });
  });

  it('with devKey: false leaves the key alone, and overwrites a URL file left by a killed mesh', async () => {
    const kept = readFileSync(path.join(dataDir, DEV_KEY_FILE), 'utf8');
    await running?.stop();
    running = undefined;
    const deadUrl = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    writeFileSync(path.join(dataDir, DATABASE_URL_FILE), `${deadUrl}\n`);

    const again = await restart({ devKey: false });
    expect(again.devKey).toBeUndefined();
    expect(readFileSync(path.join(dataDir, DEV_KEY_FILE), 'utf8')).toBe(kept);
    expect(readFileSync(path.join(dataDir, DATABASE_URL_FILE), 'utf8').trim()).toBe(again.url);
  });
});

describe('startDatabase with an external PostgreSQL (DATABASE_URL)', () => {
  let pg: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    pg = await freshPostgres();
    dataDir = mkdtempSync(path.join(tmpdir(), 'mesh-db-pg-'));
  });

  afterAll(async () => {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses it as it is: migrates it and creates the development key there, with no PGlite and no URL file', async () => {
    const url = pg.url as string;
    const database = await startDatabase({ dataDir, url });
    try {
      expect(database.embedded).toBe(false);
      expect(database.url).toBe(url);
      expect(database.pgliteDir).toBeUndefined();
      expect(database.migrations).toEqual(ALL_MIGRATIONS);
      expect((await resolveApiKey(pg.db, database.devKey?.secret as string))?.actor_id).toBe('developer');
      expect(existsSync(path.join(dataDir, 'pglite'))).toBe(false);
      expect(existsSync(path.join(dataDir, DATABASE_URL_FILE))).toBe(false);
    } finally {
      await database.stop();
    }
    // Stopping the mesh leaves an external database alone.
    expect((await pg.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys')).rows[0]?.n).toBe(1);
  });

  it('names an unreachable database without its password', async () => {
    const url = `postgres://developer:hunter2@127.0.0.1:${await freePort()}/nowhere`;
    const failure = startDatabase({ dataDir, url, devKey: false });
    await expect(failure).rejects.toThrow('the database at postgres://developer:***@127.0.0.1:');
    await expect(failure).rejects.not.toThrow('hunter2');
    expect(redactUrl(url)).not.toContain('hunter2');
  });
});
