/**
 * BullMQ's side of the queue comparison, with its defaults (completed jobs kept, events
 * stream of ~10,000 entries): one Queue for enqueues, one Worker with a no-op processor.
 */
import { Queue, Worker } from 'bullmq';
import { CompletionCounter, payload } from './queue-system';
import type { QueueSystem, QueueWorker } from './queue-system';

const QUEUE = 'bench-queue';

export function bullmqQueue(host: string, port: number): QueueSystem {
  const connection = { host, port };
  const queue = new Queue(QUEUE, { connection });

  return {
    name: 'BullMQ',
    async enqueue(tag) {
      await queue.add('echo', payload(tag));
    },
    async startWorker(concurrency, onStart) {
      const counter = new CompletionCounter();
      const worker = new Worker(
        QUEUE,
        async (job) => {
          onStart(String((job.data as { input?: unknown }).input));
          return 'ok';
        },
        { connection, concurrency, autorun: false },
      );
      worker.on('completed', () => counter.bump());
      worker.on('error', () => undefined);
      await worker.waitUntilReady();
      const startedAt = performance.now();
      const running = worker.run().catch((err: unknown) => err);
      const started: QueueWorker = {
        startedAt,
        get completed() {
          return counter.count;
        },
        waitForCompleted: (n) => counter.wait(n),
        async stop() {
          await worker.close();
          const failed = await running;
          if (failed) throw failed;
        },
      };
      return started;
    },
    async close() {
      await queue.close();
    },
  };
}
