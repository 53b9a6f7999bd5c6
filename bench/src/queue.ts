/**
 * OpsConductor's job store and queue-worker against BullMQ on the same private, in-memory
 * Redis with the same ~300-byte params: enqueue (sequential and 50 in flight), no-op
 * processing (concurrency 1 and 50, in-process), pickup latency on an idle queue, and Redis
 * bytes per completed job. Rounds alternate which system goes first; each row shows the
 * median of the rounds and their spread (min–max).
 */
import { bullmqQueue } from './queue-bullmq';
import { measureEnqueue, measureMemory, measurePickup, measureProcessing } from './queue-measure';
import type { Sizes, SystemFactory } from './queue-measure';
import { oursQueue } from './queue-ours';
import { startPrivateRedis } from './private-redis';
import { payload } from './queue-system';
import type { BenchResult } from './results';
import { table } from './stats';

type Side = 'ours' | 'bullmq';
/** Row name → per-system list of per-round figures. */
type Figures = Map<string, Record<Side, number[]>>;

const ROWS: Array<{ key: string; label: string; unit: string; higherIsBetter: boolean }> = [
  { key: 'enq1', label: 'enqueue sequential', unit: 'jobs/s', higherIsBetter: true },
  { key: 'enq1.p50', label: 'enqueue sequential p50', unit: 'ms', higherIsBetter: false },
  { key: 'enq1.p95', label: 'enqueue sequential p95', unit: 'ms', higherIsBetter: false },
  { key: 'enq1.p99', label: 'enqueue sequential p99', unit: 'ms', higherIsBetter: false },
  { key: 'enq50', label: 'enqueue 50 in flight', unit: 'jobs/s', higherIsBetter: true },
  { key: 'enq50.p50', label: 'enqueue 50 in flight p50', unit: 'ms', higherIsBetter: false },
  { key: 'enq50.p95', label: 'enqueue 50 in flight p95', unit: 'ms', higherIsBetter: false },
  { key: 'enq50.p99', label: 'enqueue 50 in flight p99', unit: 'ms', higherIsBetter: false },
  { key: 'proc1', label: 'no-op processing, concurrency 1', unit: 'jobs/s', higherIsBetter: true },
  { key: 'proc50', label: 'no-op processing, concurrency 50', unit: 'jobs/s', higherIsBetter: true },
  { key: 'pickup.p50', label: 'pickup on an idle queue p50', unit: 'ms', higherIsBetter: false },
  { key: 'pickup.p99', label: 'pickup on an idle queue p99', unit: 'ms', higherIsBetter: false },
  { key: 'memory', label: 'Redis memory per completed job', unit: 'bytes', higherIsBetter: false },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
const spread = (values: number[]): string => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;

async function measureRound(redis: Awaited<ReturnType<typeof startPrivateRedis>>, factory: SystemFactory, sizes: Sizes, add: (key: string, v: number) => void): Promise<void> {
  for (const inFlight of [1, 50]) {
    const e = await measureEnqueue(redis, factory, sizes, inFlight);
    const k = inFlight === 1 ? 'enq1' : 'enq50';
    add(k, e.rate);
    add(`${k}.p50`, e.p50);
    add(`${k}.p95`, e.p95);
    add(`${k}.p99`, e.p99);
  }
  add('proc1', await measureProcessing(redis, factory, sizes, 1));
  add('proc50', await measureProcessing(redis, factory, sizes, 50));
  const p = await measurePickup(redis, factory, sizes);
  add('pickup.p50', p.p50);
  add('pickup.p99', p.p99);
  add('memory', await measureMemory(redis, factory, sizes));
}

export async function queue(opts: { quick: boolean }): Promise<BenchResult> {
  const sizes: Sizes = opts.quick ? { jobs: 300, warmup: 50, pickups: 100 } : { jobs: 10_000, warmup: 1000, pickups: 2000 };
  const rounds = opts.quick ? 1 : 3;
  const redis = await startPrivateRedis();
  const figures: Figures = new Map(ROWS.map((r) => [r.key, { ours: [], bullmq: [] }]));
  const factories: Record<Side, SystemFactory> = { ours: () => oursQueue(redis.url), bullmq: () => bullmqQueue(redis.host, redis.port) };
  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so neither side always runs on a warmer machine.
      const order: Side[] = round % 2 === 0 ? ['ours', 'bullmq'] : ['bullmq', 'ours'];
      for (const side of order) {
        await measureRound(redis, factories[side], sizes, (key, v) => figures.get(key)?.[side].push(v));
      }
    }
  } finally {
    await redis.stop();
  }

  const med = (key: string, side: Side): number => median(figures.get(key)?.[side] ?? []);
  const rows = ROWS.map((r) => {
    const f = figures.get(r.key) ?? { ours: [], bullmq: [] };
    return {
      measure: r.label,
      unit: r.unit,
      'OpsConductor (median)': Number(fmt(median(f.ours))),
      'OpsConductor min–max': spread(f.ours),
      'BullMQ (median)': Number(fmt(median(f.bullmq))),
      'BullMQ min–max': spread(f.bullmq),
      'ours / BullMQ': Number((median(f.ours) / median(f.bullmq)).toFixed(2)),
    };
  });
  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const atLeast = (key: string): string => `${verdict(med(key, 'ours') >= med(key, 'bullmq'))} (${(med(key, 'ours') / med(key, 'bullmq')).toFixed(2)}×)`;
  const memory = med('memory', 'ours');
  const notes = [
    `sizes: ${sizes.jobs} jobs per row (pickup: ${sizes.pickups} one at a time), ${sizes.warmup} warm-up jobs untimed, ${rounds} round(s) alternating which system goes first; a private redis-server (--save "" --appendonly no) flushed before every measurement; params ${JSON.stringify(payload('job-0')).length} bytes of JSON.`,
    'OpsConductor: @opsconductor/jobs store (16 partitions, jobs over 50 workspaces, event streams trimmed to 200 per workspace: the 10,000 events BullMQ keeps by default) + queue-worker claim loop with an in-process no-op executor; BullMQ: Queue.add + Worker with a no-op processor, its defaults (completed jobs kept, events stream ~10,000 entries). Pickup: 4 worker slots on both sides, enqueue returned → handler start.',
    `seed anchors (floors): enqueue p95 < 5 ms — sequential ${fmt(med('enq1.p95', 'ours'))} ms ${verdict(med('enq1.p95', 'ours') < 5)}, 50 in flight ${fmt(med('enq50.p95', 'ours'))} ms ${verdict(med('enq50.p95', 'ours') < 5)}; ~1 KB of Redis per job — ${fmt(memory)} bytes.`,
    `goal enqueue ≥ BullMQ: sequential ${atLeast('enq1')}, 50 in flight ${atLeast('enq50')}.`,
    `goal no-op processing ≥ BullMQ: concurrency 1 ${atLeast('proc1')}, concurrency 50 ${atLeast('proc50')}.`,
    `goal pickup p50 < 2 ms: ${fmt(med('pickup.p50', 'ours'))} ms ${verdict(med('pickup.p50', 'ours') < 2)}.`,
    `goal memory per completed job ≤ BullMQ's and < 1 KB: ${fmt(memory)} vs ${fmt(med('memory', 'bullmq'))} bytes ${verdict(memory <= med('memory', 'bullmq') && memory < 1024)}.`,
  ];
  return {
    name: 'queue',
    rows,
    notes,
    table: table(Object.keys(rows[0] ?? {}), rows.map((r) => Object.values(r))),
  };
}
