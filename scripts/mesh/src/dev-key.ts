/**
 * The development key: an API key for the `dev` workspace that a local mesh creates on its
 * first start, so a developer can call the API at once. Only its hash is in the database, so
 * the secret is kept in a file of the data directory (mode 0600) for later starts to print.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createApiKey, resolveApiKey } from '@opsconductor/db';
import type { NewApiKey, Queryable } from '@opsconductor/db';

/** The file under the data directory that keeps the secret. */
export const DEV_KEY_FILE = 'dev-api-key';

export const DEV_KEY: NewApiKey = {
  workspace_id: 'dev',
  actor_id: 'developer',
  scopes: ['actions:preview', 'actions:execute', 'admin'],
  name: 'development key',
};

export interface DevKey {
  /** The `oc_live_…` secret, for `Authorization: Bearer …`. */
  secret: string;
  /** True when this start created it (first start, or the kept one no longer resolved). */
  created: boolean;
  /** Where the secret is kept. */
  file: string;
}

/**
 * Returns the key kept in `file` while it still resolves; otherwise (no file, a revoked key,
 * a wiped or different database) creates a new one and keeps it there instead.
 */
export async function ensureDevKey(db: Queryable, file: string): Promise<DevKey> {
  const kept = readKept(file);
  if (kept !== undefined && (await resolveApiKey(db, kept)) !== null) return { secret: kept, created: false, file };
  const { secret } = await createApiKey(db, DEV_KEY);
  keep(file, secret);
  return { secret, created: true, file };
}

function readKept(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Written whole or not at all (a rename), and readable by its owner only from the start. */
function keep(file: string, secret: string): void {
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  writeFileSync(partial, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(partial, file);
}
