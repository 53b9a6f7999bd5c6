#!/usr/bin/env node
/** `pnpm bench [name] [--quick]`: runs benchmarks and prints their tables. */
import { pickup } from './pickup';

const BENCHES: Record<string, (quick: boolean) => Promise<string>> = {
  pickup: (quick) => pickup({ jobs: quick ? 50 : 1000, warmup: quick ? 10 : 100, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
    process.exit(2);
  }
  for (const name of names.length ? names : Object.keys(BENCHES)) {
    process.stdout.write(`${await BENCHES[name]!(quick)}\n\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
