import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

/** Where a run's tables go: bench/RESULTS.md (appended) and bench/results/<name>-<time>.json. */
export const BENCH_DIR = path.resolve(__dirname, '..');

export interface Machine {
  date: string;
  node: string;
  redis: string;
  cpu: string;
  cores: number;
}

/** The facts every result is stamped with, so figures from different days can be compared. */
export function machine(): Machine {
  let redis = 'unknown';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? redis;
  } catch {
    // redis-server not on PATH: the bench talks to REDIS_URL anyway.
  }
  return { date: new Date().toISOString(), node: process.version, redis, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
}

export interface BenchResult {
  name: string;
  /** The printed table. */
  table: string;
  /** The same figures, machine-readable. */
  rows: Array<Record<string, string | number>>;
  notes?: string[];
}

/**
 * Records a full (non-quick) run: the JSON next to the others, and the table appended to
 * RESULTS.md under a heading with the date, Node and Redis versions and the CPU.
 */
export function record(result: BenchResult, at: Machine = machine()): void {
  const dir = path.join(BENCH_DIR, 'results');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const stamp = at.date.replace(/[:.]/g, '-');
  writeFileSync(path.join(dir, `${result.name}-${stamp}.json`), `${JSON.stringify({ ...result, machine: at }, null, 2)}\n`);
  const notes = (result.notes ?? []).map((n) => `- ${n}\n`).join('');
  appendFileSync(
    path.join(BENCH_DIR, 'RESULTS.md'),
    `\n## ${result.name} — ${at.date.slice(0, 10)}, Node ${at.node}, Redis ${at.redis}, ${at.cpu} (${at.cores} cores)\n\n\`\`\`\n${result.table}\n\`\`\`\n${notes ? `\n${notes}` : ''}`,
  );
}
