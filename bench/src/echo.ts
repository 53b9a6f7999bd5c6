/**
 * The echo path against the limit of one hop: the same ping body at 64 connections against a
 * bare Node `http` server, ai-pipeline direct, automation-service → ai-pipeline and the full
 * path through the gateway stand-in, all in one run. Each target is warmed up, then measured
 * in rounds that alternate the targets (the order rotates each round, so none always runs
 * first or last); the table shows the median round and the spread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuMeter, runLoad } from './echo-load';
import type { LoadRun } from './echo-load';
import { startTargets } from './echo-targets';
import { BENCH_RATE_LIMIT_PER_MINUTE, databaseNote, refusedByLimit } from './bench-keys';
import type { Target } from './echo-targets';
import type { BenchResult } from './results';
import { table } from './stats';

const CONNECTIONS = 64;

/** The seed's figures for the echo path, and issue 4's goal for the full gateway path. */
const SEED = { rps: 50, p95: 75, p99: 100 };
const GOAL = { ratio: 0.25, p99: 25 };

interface Plan {
  rounds: number;
  warmupS: number;
  measureS: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** The round whose req/s is the median: its latencies are shown with it, so a row is one real run. */
function medianRun(runs: LoadRun[]): LoadRun {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)] as LoadRun;
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

export async function echo(opts: { quick: boolean }): Promise<BenchResult> {
  // Quick: about 2 s measured in all (4 targets × 0.5 s), one round; full: issue 4's 15 s × 3.
  const plan: Plan = opts.quick ? { rounds: 1, warmupS: 0.5, measureS: 0.5 } : { rounds: 3, warmupS: 5, measureS: 15 };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opsconductor-bench-echo-'));
  const runs = new Map<string, LoadRun[]>();
  const cpu = new Map<string, Array<Record<string, number>>>();
  let list: Target[] = [];
  const targets = await startTargets(dataDir);
  try {
    list = targets.list;
    for (const target of list) {
      const warmup = await runLoad({ url: target.url, headers: target.headers, connections: CONNECTIONS, durationS: plan.warmupS });
      refusedByLimit(`echo warm-up (${target.name})`, warmup.throttled);
    }
    for (let round = 0; round < plan.rounds; round++) {
      const order = list.map((_, i) => list[(i + round) % list.length] as Target);
      for (const target of order) {
        const meter = cpuMeter(targets.pids);
        const run = await runLoad({ url: target.url, headers: target.headers, connections: CONNECTIONS, durationS: plan.measureS });
        refusedByLimit(`echo (${target.name})`, run.throttled);
        (cpu.get(target.name) ?? cpu.set(target.name, []).get(target.name)!).push(meter.stop());
        (runs.get(target.name) ?? runs.set(target.name, []).get(target.name)!).push(run);
      }
    }
  } finally {
    await targets.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const bare = list[0] as Target;
  const bareRps = median(runs.get(bare.name)!.map((r) => r.rps));
  const rows = list.map((target) => {
    const all = runs.get(target.name)!;
    const rpss = all.map((r) => r.rps);
    const mid = medianRun(all);
    const errors = all.reduce((n, r) => n + r.non2xx + r.timeouts + r.socketErrors, 0);
    return {
      target: target.name,
      'req/s (median)': Math.round(median(rpss)),
      'req/s min–max': `${Math.round(Math.min(...rpss))}–${Math.round(Math.max(...rpss))}`,
      'p50 ms': fmt(mid.p50),
      'p95 ms': fmt(mid.p95),
      'p99 ms': fmt(mid.p99),
      errors,
      'vs bare': `${fmt((median(rpss) / bareRps) * 100, 1)} %`,
    };
  });

  const full = list[list.length - 1] as Target;
  const fullRps = median(runs.get(full.name)!.map((r) => r.rps));
  const fullP99 = medianRun(runs.get(full.name)!).p99;
  const ratio = fullRps / bareRps;
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const notes = [
    `${CONNECTIONS} connections, body ${JSON.stringify({ input: 'ping', tool: 'echo' })}; ${plan.warmupS} s warm-up per target (not counted), then ${plan.rounds} round(s) of ${plan.measureS} s per target, targets alternating (order rotated each round). req/s = 2xx answers / measured window; the median round's p50/p95/p99 are shown; errors = non-2xx + timeouts + socket errors over all rounds.`,
    'Latency percentiles are computed (nearest rank) from every 2xx response time autocannon reports on its `response` event (hrtime, sub-ms): autocannon\'s result has no p95 and rounds to whole ms.',
    'The gateway stand-in reads a copy of gateway/kong.yml whose rate-limiting windows are raised to 1e9 per second of window (kong.yml allows 100/s per IP, which the bench exceeds at once); every plugin stays on. Services run from dist/ with LOG_LEVEL=warn, FEATURE_BYPASS_LLM=false, a private Redis.',
    `API keys on (every /ai/ request resolves its key, cached, and counts against its workspace's limit in Redis; /ai/execute writes an audit row): the two automation-service targets send a key each, of workspaces whose own limit is the maximum (${BENCH_RATE_LIMIT_PER_MINUTE.toLocaleString('en')} a minute); a run with any 429 fails. Database: ${databaseNote()}.`,
    `Seed anchor (echo path): ~${SEED.rps} req/s, p95 ~${SEED.p95} ms, p99 ~${SEED.p99} ms. Full gateway path here: ${Math.round(fullRps)} req/s (${fmt(fullRps / SEED.rps, 1)}× the seed), p99 ${fmt(fullP99)} ms.`,
    `Goal: full gateway path ≥ ${GOAL.ratio * 100} % of the bare server's req/s: ${fmt(ratio * 100, 1)} % → ${met(ratio >= GOAL.ratio)}; p99 < ${GOAL.p99} ms at ${CONNECTIONS} connections: ${fmt(fullP99)} ms → ${met(fullP99 < GOAL.p99)}.`,
    ...list.map((target) => `CPU while measuring ${target.name} (median, % of one core): ${cpuLine(cpu.get(target.name) ?? [], Object.keys({ 'load generator': 0, ...target.pids }))}`),
  ];
  return { name: 'echo', rows, notes, table: table(Object.keys(rows[0]!), rows.map((r) => Object.values(r))) };
}

function cpuLine(samples: Array<Record<string, number>>, names: string[]): string {
  return names
    .filter((name) => samples.some((s) => s[name] !== undefined))
    .map((name) => `${name} ${Math.round(median(samples.flatMap((s) => (s[name] === undefined ? [] : [s[name] as number]))) * 100)}`)
    .join(', ');
}
