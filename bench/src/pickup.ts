/**
 * Pickup latency of the queue-worker on an idle queue: from enqueue (the moment the enqueue
 * call returns) to the moment the worker hands the job to its executor. The worker is the
 * real one (claim loop, wake-up over Redis pub/sub, leases) with an in-process executor in
 * place of ai-pipeline, so the figure is the queue's own cost, not HTTP's.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createJobStore, createKeySpace, duplicateConnection } from '@opsconductor/jobs';
import { createLogger, createMetrics } from '@opsconductor/kit';
import { createWorkerMetrics, handleStoreMessage, startWorker, workerStoreFor } from '@opsconductor/queue-worker';
import type { BenchResult } from './results';
import { inProcessExecutor } from './in-process-executor';
import { summary, table } from './stats';

export async function pickup(opts: { jobs: number; warmup: number; redisUrl: string }): Promise<BenchResult> {
  const prefix = `bench-pickup-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(opts.redisUrl);
  const subscriber = duplicateConnection(redis, 'bench:subscriber');
  const store = createJobStore({ redis, prefix, partitions: 16 });
  const started = new Map<string, number>();
  let onStart: (input: string) => void = () => undefined;
  const executor = inProcessExecutor((input) => onStart(input));
  const logger = createLogger({ service: 'bench', level: 'silent' });
  const worker = startWorker({
    store: workerStoreFor(store, 16),
    pipeline: executor,
    logger,
    metrics: createWorkerMetrics(createMetrics({ service: 'bench', defaultMetrics: false }).registry),
    workerId: 'bench',
    concurrency: 4,
  });
  const { channels } = createKeySpace(prefix, 16);
  subscriber.on('message', (channel: string, message: string) => handleStoreMessage(worker, channels, channel, message));
  await subscriber.subscribe(channels.wake);

  const samples: number[] = [];
  try {
    for (let i = 0; i < opts.warmup + opts.jobs; i++) {
      const input = `job-${i}`;
      const began = new Promise<number>((resolve) => (onStart = (seen) => seen === input && resolve(performance.now())));
      const { job } = await store.enqueue({ workspace_id: `ws-${i % 50}`, actor_id: 'bench', action: 'echo', params: { input } });
      const enqueued = performance.now();
      const start = await began;
      started.set(job.job_id, start);
      if (i >= opts.warmup) samples.push(start - enqueued);
      // Idle again before the next one: wait until its run has finished.
      while (worker.running > 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    await worker.stop(1000);
    const keys = await redis.keys(`{${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await subscriber.quit();
    await redis.quit();
  }
  const s = summary(samples);
  const row = { bench: 'pickup on an idle queue (enqueue returned → executor called)', jobs: s.n, 'p50 ms': s.p50, 'p95 ms': s.p95, 'p99 ms': s.p99, 'max ms': s.max };
  return { name: 'pickup', rows: [row], table: table(Object.keys(row), [Object.values(row)]) };
}
