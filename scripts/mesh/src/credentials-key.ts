/**
 * The local mesh's CREDENTIALS_ENCRYPTION_KEY: without one in the environment, a key made on
 * the first start and kept in the data directory (mode 0600), so the email tools work locally
 * and `pnpm keys mail` (which reads the same file) stores passwords ai-pipeline can decrypt.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The file under the data directory that keeps the key. */
export const CREDENTIALS_KEY_FILE = 'credentials-key';

/** The key `env` names, else the one kept under `dataDir` (made now when there is none). */
export function ensureCredentialsKey(env: NodeJS.ProcessEnv, dataDir: string): { key: string; file?: string } {
  if (env.CREDENTIALS_ENCRYPTION_KEY) return { key: env.CREDENTIALS_ENCRYPTION_KEY };
  const file = path.join(dataDir, CREDENTIALS_KEY_FILE);
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) return { key: kept, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32).toString('base64');
  // Whole or not at all (a rename), readable by its owner only from the start.
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  writeFileSync(partial, `${key}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(partial, file);
  return { key, file };
}
