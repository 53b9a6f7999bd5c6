/**
 * End-to-end jobs through the real mesh (separate processes, as in production): echo jobs
 * submitted to the automation-service's POST /ai/jobs, run by the queue-worker through
 * ai-pipeline. (a) The most it completes per second with a fixed number of busy submitters;
 * (b) submit → completed latency with jobs submitted on a schedule at half that rate.
 * Completions are read from the workspaces' event streams in Redis (jobs-watch.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, freePorts, startMesh } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { createBenchKeys, databaseNote, refusedByLimit } from './bench-keys';
import { submitClosedLoop, submitOpenLoop } from './jobs-load';
import { watchCompletions } from './jobs-watch';
import type { CompletionWatcher } from './jobs-watch';
import type { BenchResult } from './results';
import { summary, table } from './stats';

const PARTITIONS = 16;
const WORKER_CONCURRENCY = 16;
const SUBMITTERS = 16;
const WORKSPACES = Array.from({ length: 16 }, (_, i) => `bench-ws-${i}`);

interface Plan {
  warmS: number;
  windowS: number;
  windows: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};
const countIn = (times: number[], from: number, to: number): number => times.filter((t) => t >= from && t < to).length;
/** The measured windows, back to back after the warm-up: [from, to) in performance.now() ms. */
const windowsOf = (startedAt: number, plan: Plan): Array<[number, number]> =>
  Array.from({ length: plan.windows }, (_, w) => {
    const from = startedAt + (plan.warmS + w * plan.windowS) * 1000;
    return [from, from + plan.windowS * 1000];
  });

async function maxThroughput(mesh: Mesh, keys: string[], watcher: CompletionWatcher, plan: Plan) {
  const run = await submitClosedLoop(mesh.urls.automation, keys, SUBMITTERS, plan.warmS + plan.windows * plan.windowS);
  refusedByLimit('jobs (max throughput)', run.throttled);
  const windows = windowsOf(run.startedAt, plan);
  const completed = windows.map(([from, to]) => countIn(watcher.times, from, to) / plan.windowS);
  const submitted = windows.map(([from, to]) => countIn(run.accepted, from, to) / plan.windowS);
  const end = (windows[windows.length - 1] as [number, number])[1];
  const backlog = countIn(run.accepted, 0, end) - countIn(watcher.times, 0, end);
  // Let the backlog drain, so the latency run starts on an idle queue.
  const drained = await watcher.waitFor(() => watcher.completedAt.size >= run.accepted.length, 300_000);
  if (!drained) throw new Error('bench: jobs submitted in the throughput run did not all complete within 5 minutes');
  return { completed, submitted, backlog, errors: run.errors };
}

async function latencyAtRate(mesh: Mesh, keys: string[], watcher: CompletionWatcher, plan: Plan, rate: number) {
  const run = await submitOpenLoop(mesh.urls.automation, keys, rate, plan.warmS + plan.windows * plan.windowS);
  refusedByLimit('jobs (latency)', run.throttled);
  const ids = [...run.scheduledAt.keys()];
  const done = await watcher.waitFor(() => ids.every((id) => watcher.completedAt.has(id)), 60_000);
  if (!done) throw new Error('bench: jobs of the latency run did not all complete within 60 s');
  const perWindow = windowsOf(run.startedAt, plan).map(([from, to]) => {
    const latencies: number[] = [];
    for (const [id, at] of run.scheduledAt) if (at >= from && at < to) latencies.push((watcher.completedAt.get(id) as number) - at);
    return summary(latencies);
  });
  const completed = windowsOf(run.startedAt, plan).map(([from, to]) => countIn(watcher.times, from, to) / plan.windowS);
  return { perWindow, completed, errors: run.errors };
}

export async function jobs(opts: { quick: boolean }): Promise<BenchResult> {
  const plan: Plan = opts.quick ? { warmS: 1, windowS: 1, windows: 2 } : { warmS: 3, windowS: 10, windows: 3 };
  const prefix = `bench-jobs-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'opsconductor-bench-jobs-'));
  let mesh: Mesh | undefined;
  let watcher: CompletionWatcher | undefined;
  try {
    // A private redis-server (the launcher starts it with AOF everysec, as in production).
    mesh = await startMesh({
      ports: await freePorts(),
      dataDir,
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      devKey: false,
      env: { LOG_LEVEL: 'warn', JOB_KEY_PREFIX: prefix, JOB_PARTITIONS: String(PARTITIONS), WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) },
    });
    // A key per workspace, each workspace's rate limit raised to the maximum.
    const keys = await createBenchKeys(mesh.databaseUrl, WORKSPACES);
    watcher = watchCompletions(mesh.urls.redis, prefix, PARTITIONS, WORKSPACES);
    const a = await maxThroughput(mesh, keys, watcher, plan);
    const rate = Math.max(1, Math.round(median(a.completed) / 2));
    const b = await latencyAtRate(mesh, keys, watcher, plan, rate);
    return report(plan, rate, a, b, opts.quick);
  } finally {
    await watcher?.stop();
    await mesh?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Throughput = Awaited<ReturnType<typeof maxThroughput>>;
type Latency = Awaited<ReturnType<typeof latencyAtRate>>;
const f = (x: number, digits = 1): string => x.toFixed(digits);
const spread = (xs: number[], digits = 1): string => `${f(Math.min(...xs), digits)}–${f(Math.max(...xs), digits)}`;

function report(plan: Plan, rate: number, a: Throughput, b: Latency, quick: boolean): BenchResult {
  const p50 = median(b.perWindow.map((s) => s.p50));
  const p95 = median(b.perWindow.map((s) => s.p95));
  const p99s = b.perWindow.map((s) => s.p99);
  const p99 = median(p99s);
  const maxRate = median(a.completed);
  const rows = [
    {
      run: `max throughput (${SUBMITTERS} busy submitters, closed loop)`,
      'completed jobs/s': f(maxRate),
      'completed min–max jobs/s': spread(a.completed),
      'accepted jobs/s': f(median(a.submitted)),
      'p50 ms': '',
      'p95 ms': '',
      'p99 ms': '',
      'p99 min–max ms': '',
      'backlog at end (jobs)': a.backlog,
      errors: a.errors,
    },
    {
      run: `latency at half that rate (${rate} jobs/s, open loop)`,
      'completed jobs/s': f(median(b.completed)),
      'completed min–max jobs/s': spread(b.completed),
      'accepted jobs/s': '',
      'p50 ms': f(p50, 2),
      'p95 ms': f(p95, 2),
      'p99 ms': f(p99, 2),
      'p99 min–max ms': spread(p99s, 2),
      'backlog at end (jobs)': '',
      errors: b.errors,
    },
  ];
  const jobsMeasured = b.perWindow.reduce((n, s) => n + s.n, 0);
  const notes = [
    `Real mesh (separate processes), worker concurrency ${WORKER_CONCURRENCY}, ${WORKSPACES.length} workspaces round-robin, ${PARTITIONS} partitions, private redis-server (AOF everysec). ${plan.warmS} s warm-up, then ${plan.windows} windows of ${plan.windowS} s; medians over windows, min–max their spread.`,
    `API keys on: one per workspace (each workspace's own rate limit raised to the maximum; a run with any 429 fails); every submission resolves its key (cached), is counted in Redis and writes an audit row. Database: ${databaseNote()}.`,
    'Completion is seen by the bench reading the workspaces\' event streams in Redis (blocking XREAD): no extra HTTP load on the services; the time is when the bench receives the event.',
    `Latency: from the scheduled send time of each job (open loop, so a slow answer cannot delay the next submission) to its completed event; ${jobsMeasured} jobs measured. Throughput counts completions inside the windows only; "accepted" counts 202 answers, and the backlog is accepted minus completed at the end.`,
  ];
  if (quick) {
    notes.push('Quick run (a few seconds): proves the harness only; anchors and goals are judged on the full run.');
  } else {
    const met = (ok: boolean, by: string) => (ok ? 'met' : `missed (${by})`);
    notes.push(
      `Seed anchor: 500 jobs/hour (0.14 jobs/s); measured ${f(maxRate)} jobs/s.`,
      ...(maxRate < 1000 ? [`The latency run used half the measured maximum (${rate} jobs/s), below the 500 jobs/s the goal implies.`] : []),
      `Goal ≥ 1,000 jobs/s: ${f(maxRate)} jobs/s → ${met(maxRate >= 1000, `${f((maxRate / 1000) * 100, 0)} % of it`)}. Goal p99 submit → completed < 50 ms at half that rate: ${f(p99, 2)} ms → ${met(p99 < 50, `by ${f(p99 - 50, 2)} ms`)}.`,
    );
  }
  return { name: 'jobs', rows, table: table(Object.keys(rows[0] as object), rows.map((r) => Object.values(r))), notes };
}
