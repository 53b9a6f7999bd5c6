/**
 * One measurement of one queue system each: every function starts from a flushed Redis and a
 * fresh system, warms up first, and times only the measured window.
 */
import type { PrivateRedis } from './private-redis';
import type { QueueSystem } from './queue-system';
import { summary } from './stats';

export type SystemFactory = () => QueueSystem;

export interface Sizes {
  /** Jobs per measurement. */
  jobs: number;
  /** Jobs pushed through before the clock starts. */
  warmup: number;
  /** Pickups (one at a time) per measurement. */
  pickups: number;
}

/** `inFlight` loops each awaiting one call at a time until `total` calls were made. */
async function inLoops(total: number, inFlight: number, call: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < total) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, loop));
}

async function fresh(redis: PrivateRedis, factory: SystemFactory): Promise<QueueSystem> {
  await redis.flush();
  return factory();
}

export interface EnqueueFigures {
  rate: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Enqueue throughput and per-call latency with `inFlight` calls outstanding (1 = sequential). */
export async function measureEnqueue(redis: PrivateRedis, factory: SystemFactory, sizes: Sizes, inFlight: number): Promise<EnqueueFigures> {
  const system = await fresh(redis, factory);
  try {
    await inLoops(sizes.warmup, inFlight, (i) => system.enqueue(`warm-${i}`));
    const latencies: number[] = [];
    const began = performance.now();
    await inLoops(sizes.jobs, inFlight, async (i) => {
      const t = performance.now();
      await system.enqueue(`job-${i}`);
      latencies.push(performance.now() - t);
    });
    const elapsedS = (performance.now() - began) / 1000;
    const s = summary(latencies);
    return { rate: sizes.jobs / elapsedS, p50: s.p50, p95: s.p95, p99: s.p99 };
  } finally {
    await system.close();
  }
}

/**
 * No-op processing throughput: `jobs` pre-loaded on an empty queue, then a worker with
 * `concurrency` slots; timed from the worker's start until the last completion is stored.
 */
export async function measureProcessing(redis: PrivateRedis, factory: SystemFactory, sizes: Sizes, concurrency: number): Promise<number> {
  let system = await fresh(redis, factory);
  try {
    // Warm-up on its own worker, then a clean Redis so the timed run starts from the same state.
    const warm = await system.startWorker(concurrency, () => undefined);
    await inLoops(sizes.warmup, 50, (i) => system.enqueue(`warm-${i}`));
    await warm.waitForCompleted(sizes.warmup);
    await warm.stop();
    await system.close();
    system = await fresh(redis, factory);
    await inLoops(sizes.jobs, 50, (i) => system.enqueue(`job-${i}`));
    const worker = await system.startWorker(concurrency, () => undefined);
    await worker.waitForCompleted(sizes.jobs);
    const elapsedS = (performance.now() - worker.startedAt) / 1000;
    await worker.stop();
    return sizes.jobs / elapsedS;
  } finally {
    await system.close();
  }
}

/**
 * Pickup latency on an idle queue: one job at a time, from the moment its enqueue call
 * returned to the moment the handler starts; the next job waits until this one completed.
 * The worker has 4 slots on both sides (the queue-worker's default), all idle.
 */
export async function measurePickup(redis: PrivateRedis, factory: SystemFactory, sizes: Sizes): Promise<{ p50: number; p99: number }> {
  const system = await fresh(redis, factory);
  let onStart: (tag: string) => void = () => undefined;
  const worker = await system.startWorker(4, (tag) => onStart(tag));
  const samples: number[] = [];
  try {
    const warm = Math.min(sizes.warmup, 100);
    for (let i = 0; i < warm + sizes.pickups; i++) {
      const tag = `job-${i}`;
      const started = new Promise<number>((resolve) => (onStart = (seen) => seen === tag && resolve(performance.now())));
      await system.enqueue(tag);
      const enqueued = performance.now();
      const at = await started;
      if (i >= warm) samples.push(at - enqueued);
      await worker.waitForCompleted(i + 1);
    }
  } finally {
    await worker.stop();
    await system.close();
  }
  const s = summary(samples);
  return { p50: s.p50, p99: s.p99 };
}

/**
 * Redis bytes per completed job: `used_memory` after `jobs` more jobs went through a running
 * worker (50 slots, 50 enqueues in flight), minus `used_memory` after the warm-up, so fixed
 * costs (scripts, metadata keys, empty structures) are not counted. Both systems keep their
 * completed jobs by default, so this is the steady cost of a finished job.
 */
export async function measureMemory(redis: PrivateRedis, factory: SystemFactory, sizes: Sizes): Promise<number> {
  const system = await fresh(redis, factory);
  const worker = await system.startWorker(50, () => undefined);
  try {
    await inLoops(sizes.warmup, 50, (i) => system.enqueue(`warm-${i}`));
    await worker.waitForCompleted(sizes.warmup);
    const before = await redis.usedMemory();
    await inLoops(sizes.jobs, 50, (i) => system.enqueue(`job-${i}`));
    await worker.waitForCompleted(sizes.warmup + sizes.jobs);
    const after = await redis.usedMemory();
    return (after - before) / sizes.jobs;
  } finally {
    await worker.stop();
    await system.close();
  }
}
