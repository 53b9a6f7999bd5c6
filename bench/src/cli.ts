#!/usr/bin/env node
/** `pnpm bench [name] [--quick]`: runs benchmarks and prints their tables. */
import { echo } from './echo';
import { jobs } from './jobs';
import { pickup } from './pickup';
import { queue } from './queue';
import { scale } from './scale';
import { record } from './results';
import type { BenchResult } from './results';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every bench: a quick mode (a few seconds, for CI) and a full one (recorded in RESULTS.md). */
const BENCHES: Record<string, (quick: boolean) => Promise<BenchResult>> = {
  pickup: (quick) => pickup({ jobs: quick ? 50 : 1000, warmup: quick ? 10 : 100, redisUrl: REDIS_URL }),
  queue: (quick) => queue({ quick }),
  echo: (quick) => echo({ quick }),
  scale: (quick) => scale({ quick }),
  jobs: (quick) => jobs({ quick }),
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
    const result = await BENCHES[name]!(quick);
    process.stdout.write(`${result.table}\n${(result.notes ?? []).map((n) => `  ${n}\n`).join('')}\n`);
    if (!quick) record(result);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
