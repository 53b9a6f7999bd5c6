/**
 * OpsConductor's side of the queue comparison: the real job store and the queue-worker's claim
 * loop (leases, heartbeats, pub/sub wake-ups) with an in-process executor in place of
 * ai-pipeline, as in pickup.ts. The worker has its own store and connections, as the
 * queue-worker process has in production.
 */
import { Redis } from 'ioredis';
import { createJobStore, duplicateConnection } from '@opsconductor/jobs';
import { createLogger, createMetrics } from '@opsconductor/kit';
import { createWorkerMetrics, handleStoreMessage, startWorker, workerStoreFor } from '@opsconductor/queue-worker';
import { CompletionCounter, payload } from './queue-system';
import type { QueueSystem, QueueWorker } from './queue-system';
import { inProcessExecutor } from './in-process-executor';

const PREFIX = 'bench-queue';
const PARTITIONS = 16;
/** Jobs are spread over workspaces as an API would see them; each maps to a partition. */
const WORKSPACES = 50;
/**
 * The same event retention as BullMQ's default (one stream trimmed to ~10,000 entries): ours
 * keeps a stream per workspace, so 10,000 over the 50 workspaces. The default (10,000 per
 * workspace) would keep all three events of every job of the run.
 */
const EVENTS_PER_WORKSPACE = 10_000 / WORKSPACES;

export function oursQueue(redisUrl: string): QueueSystem {
  const redis = new Redis(redisUrl);
  const store = createJobStore({ redis, prefix: PREFIX, partitions: PARTITIONS, eventsMaxLen: EVENTS_PER_WORKSPACE });
  let next = 0;

  return {
    name: 'OpsConductor',
    async enqueue(tag) {
      const ws = `ws-${next++ % WORKSPACES}`;
      await store.enqueue({ workspace_id: ws, actor_id: 'bench', action: 'echo', params: payload(tag) });
    },
    async startWorker(concurrency, onStart) {
      return startOursWorker(redisUrl, concurrency, onStart);
    },
    async close() {
      await redis.quit();
    },
  };
}

async function startOursWorker(redisUrl: string, concurrency: number, onStart: (tag: string) => void): Promise<QueueWorker> {
  const redis = new Redis(redisUrl);
  const subscriber = duplicateConnection(redis, 'bench:subscriber');
  const store = createJobStore({ redis, prefix: PREFIX, partitions: PARTITIONS, eventsMaxLen: EVENTS_PER_WORKSPACE });
  const counter = new CompletionCounter();
  const base = workerStoreFor(store, PARTITIONS);
  // Counted once the store has acknowledged the completion, like BullMQ's 'completed' event.
  const counted: typeof base = {
    ...base,
    complete: async (...args) => {
      const ok = await base.complete(...args);
      counter.bump();
      return ok;
    },
    completeAndClaim: async (...args) => {
      const answer = await base.completeAndClaim(...args);
      counter.bump();
      return answer;
    },
  };
  const executor = inProcessExecutor(onStart);
  const logger = createLogger({ service: 'bench', level: 'silent' });
  const metrics = createWorkerMetrics(createMetrics({ service: 'bench', defaultMetrics: false }).registry);
  // Connections up before the clock starts, as BullMQ's waitUntilReady() does for its side.
  await Promise.all([redis.ping(), subscriber.ping()]);
  let onMessage: (channel: string, message: string) => void = () => undefined;
  subscriber.on('message', (channel: string, message: string) => onMessage(channel, message));
  await subscriber.subscribe(store.channels.wake);
  const startedAt = performance.now();
  const worker = startWorker({
    store: counted,
    pipeline: executor,
    logger,
    metrics,
    workerId: 'bench',
    concurrency,
  });
  onMessage = (channel, message) => handleStoreMessage(worker, store.channels, channel, message);
  return {
    startedAt,
    get completed() {
      return counter.count;
    },
    waitForCompleted: (n) => counter.wait(n),
    async stop() {
      await worker.stop(1000);
      await subscriber.quit();
      await redis.quit();
    },
  };
}
