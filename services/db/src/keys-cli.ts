#!/usr/bin/env node
import { runKeysCommand } from './keys-command';

runKeysCommand(process.argv.slice(2), { env: process.env, out: (l) => process.stdout.write(`${l}\n`), err: (l) => console.error(l) }).then(
  // exitCode, not exit(): a piped stdout is written asynchronously and exit() would cut it.
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
