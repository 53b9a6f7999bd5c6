#!/usr/bin/env node
/**
 * `pnpm keys`. Its database: DATABASE_URL; else, while a local mesh runs, the URL the launcher
 * wrote beside the PGlite directory (`.data/database-url`), because the launcher then holds
 * PGlite's files and serves them, and a second process opening them would corrupt them; else
 * the PGlite files under PGLITE_DIR (default .data/pglite).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runKeysCommand } from './keys-command';

const DEFAULT_PGLITE_DIR = '.data/pglite';

/** The local mesh's data directory (scripts/start's): the one that holds PGlite's. */
function meshDataDir(env: NodeJS.ProcessEnv): string {
  return path.dirname(env.PGLITE_DIR || DEFAULT_PGLITE_DIR);
}

/** Where a running mesh keeps its database URL: `database-url` beside the PGlite directory. */
export function meshDatabaseUrlFile(env: NodeJS.ProcessEnv): string {
  return path.join(meshDataDir(env), 'database-url');
}

/**
 * The environment for the command: DATABASE_URL taken from a running mesh when unset, and
 * CREDENTIALS_ENCRYPTION_KEY from the key the local mesh keeps (`.data/credentials-key`) when unset.
 */
export function keysCommandEnv(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; meshFile?: string } {
  const key = env.CREDENTIALS_ENCRYPTION_KEY || readKept(path.join(meshDataDir(env), 'credentials-key'));
  const withKey = key ? { ...env, CREDENTIALS_ENCRYPTION_KEY: key } : env;
  if (env.DATABASE_URL) return { env: withKey };
  const file = meshDatabaseUrlFile(env);
  const url = readKept(file);
  return url ? { env: { ...withKey, DATABASE_URL: url }, meshFile: file } : { env: withKey };
}

/** A one-line file the launcher keeps, trimmed; undefined when there is none. */
function readKept(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function main(): void {
  const err = (l: string) => console.error(l);
  const { env, meshFile } = keysCommandEnv(process.env);
  if (meshFile) err(`using the running mesh's database (${meshFile})`);
  const readStdin = async () => {
    // A terminal would wait for input nobody is asked for; only piped input is read.
    if (process.stdin.isTTY) return '';
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text;
  };
  runKeysCommand(process.argv.slice(2), { env, out: (l) => process.stdout.write(`${l}\n`), err, readStdin }).then(
    // exitCode, not exit(): a piped stdout is written asynchronously and exit() would cut it.
    (code) => {
      process.exitCode = code;
    },
    (failure: unknown) => {
      const refused = (failure as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      err(
        meshFile && refused
          ? `the mesh's database does not answer. If no mesh is running, ${meshFile} was left by one that was killed: delete it and run again.`
          : failure instanceof Error
            ? failure.message
            : String(failure),
      );
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
