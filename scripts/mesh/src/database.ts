/**
 * The mesh's relational database (API keys, audit). With a DATABASE_URL the launcher only
 * migrates it. Without one it embeds PGlite, files under `<dataDir>/pglite`, and serves it over
 * the PostgreSQL wire protocol on 127.0.0.1: PGlite's files can be open in one process only,
 * yet the automation-service, the queue-worker and `pnpm keys` all need the same data while
 * the mesh runs. So each of them connects with `pg` as to any PostgreSQL, and only the
 * launcher holds the files.
 *
 * The socket server runs one statement at a time and, while a connection is inside a
 * transaction, only that connection's: transactions stay isolated, and a long one makes every
 * other connection wait. Keep transactions short.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { migrate, openDatabase } from '@opsconductor/db';
import { DEV_KEY_FILE, ensureDevKey } from './dev-key';
import type { DevKey } from './dev-key';

/** Where a running mesh writes its embedded database's URL, for `pnpm keys` (deleted on stop). */
export const DATABASE_URL_FILE = 'database-url';

/** Enough for every service's pool (10 each), `pnpm keys` and a psql or two. */
const MAX_CONNECTIONS = 100;

export interface DatabaseOptions {
  /** Holds `pglite/`, `database-url` and `dev-api-key`. */
  dataDir: string;
  /** An external PostgreSQL, used as it is (migrated); absent: embedded PGlite. */
  url?: string;
  /** The embedded server's port on 127.0.0.1; 0 or absent: one the OS picks. */
  port?: number;
  /** Create or reuse the development key (default true). */
  devKey?: boolean;
}

export interface MeshDatabase {
  /** `postgres://…`, for DATABASE_URL. May hold a password when external: print `redactUrl(url)`. */
  url: string;
  /** True when the launcher embeds PGlite and serves it (and stops it with the mesh). */
  embedded: boolean;
  /** PGlite's files (embedded only). */
  pgliteDir?: string;
  /** The migrations this start applied (none when the database was up to date). */
  migrations: string[];
  /** The development key; undefined with `devKey: false`. */
  devKey?: DevKey;
  /** Closes the socket server, then PGlite; does nothing for an external database. */
  stop(): Promise<void>;
}

/** The URL with its password replaced, for messages and the console. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

/**
 * Serves the embedded PGlite (when no `url`), applies the migrations once, and ensures the
 * development key; then every service can be given the returned `url`.
 */
export async function startDatabase(opts: DatabaseOptions): Promise<MeshDatabase> {
  mkdirSync(opts.dataDir, { recursive: true });
  const server = opts.url ? undefined : await serveEmbedded(opts.dataDir, opts.port ?? 0);
  const url = opts.url ?? (server?.url as string);
  try {
    const { migrations, devKey } = await prepare(url, opts);
    // Written last: `pnpm keys` finds it only once the database is ready to use.
    if (server) writeFileSync(server.urlFile, `${url}\n`, { mode: 0o600 });
    return { url, embedded: server !== undefined, pgliteDir: server?.pgliteDir, migrations, devKey, stop: server?.stop ?? (async () => undefined) };
  } catch (err) {
    await server?.stop();
    throw err;
  }
}

async function prepare(url: string, opts: DatabaseOptions): Promise<{ migrations: string[]; devKey?: DevKey }> {
  const db = await openDatabase({ url, maxConnections: 2 });
  try {
    const migrations = await migrate(db);
    const devKey = opts.devKey === false ? undefined : await ensureDevKey(db, path.join(opts.dataDir, DEV_KEY_FILE));
    return { migrations, devKey };
  } catch (err) {
    throw new Error(`the database at ${redactUrl(url)} could not be prepared: ${(err as Error).message}`, { cause: err });
  } finally {
    await db.close();
  }
}

interface EmbeddedServer {
  url: string;
  pgliteDir: string;
  urlFile: string;
  stop(): Promise<void>;
}

async function serveEmbedded(dataDir: string, port: number): Promise<EmbeddedServer> {
  const urlFile = path.join(dataDir, DATABASE_URL_FILE);
  await refuseWhileServed(urlFile, dataDir);
  const pgliteDir = path.join(dataDir, 'pglite');
  const db = await PGlite.create(pgliteDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new Error(inUse ? `the embedded database's port ${port} is in use: set PGLITE_PORT to a free one, or leave it unset` : (err as Error).message, {
      cause: err,
    });
  }
  // PGlite has one user and one database, whatever the client names; these are its own.
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    if (readUrlFile(urlFile) === url) rmSync(urlFile, { force: true });
    await server.stop();
    await db.close();
  };
  return { url, pgliteDir, urlFile, stop: () => (stopped ??= stop()) };
}

function readUrlFile(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * Opening PGlite's files from a second process corrupts them, so a second mesh on the same
 * data directory stops here. A file left by a mesh that was killed names a port where nothing
 * answers, and is overwritten.
 */
async function refuseWhileServed(urlFile: string, dataDir: string): Promise<void> {
  const url = readUrlFile(urlFile);
  if (!url) return;
  let address: { host: string; port: number };
  try {
    const parsed = new URL(url);
    address = { host: parsed.hostname, port: Number(parsed.port) };
  } catch {
    return;
  }
  if (await answers(address.host, address.port)) {
    throw new Error(
      `another mesh is using ${dataDir}: its database answers on ${address.host}:${address.port} (${urlFile}). Stop it first, or give this one another data directory.`,
    );
  }
}

function answers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}
