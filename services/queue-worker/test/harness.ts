import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createApp as createPipelineApp, createDefaultTools } from '@opsconductor/ai-pipeline';
import { createJobStore, createKeySpace, duplicateConnection } from '@opsconductor/jobs';
import type { Job, JobStatus, JobStore, RedisClient } from '@opsconductor/jobs';
import { createLogger, createMetrics } from '@opsconductor/kit';
import { waitFor } from '@opsconductor/mesh';
import { createAiPipelineClient } from '@opsconductor/pipeline-client';
import type { AiPipeline } from '@opsconductor/pipeline-client';
import { createWorkerApp } from '../src/app';
import type { WorkerApp } from '../src/app';
import type { AuditSink } from '../src/job-audit';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PARTITIONS = 4;

/**
 * One test world: a real ai-pipeline on a free port, a job store under a private key prefix
 * on the real Redis, and workers started on demand. `close()` stops all and deletes the keys.
 */
export async function createWorld(opts: { pipelineUrl?: string; redis?: RedisClient } = {}) {
  const prefix = `t-worker-${randomBytes(4).toString('hex')}`;
  const silent = createLogger({ service: 'test', level: 'silent' });
  const pipelineApp = createPipelineApp({ logger: silent, metrics: createMetrics({ service: 'p', defaultMetrics: false }), tools: createDefaultTools({}) });
  await pipelineApp.listen({ port: 0, host: '127.0.0.1' });
  const pipelineUrl = opts.pipelineUrl ?? `http://127.0.0.1:${(pipelineApp.server.address() as AddressInfo).port}`;
  // A Redis Cluster client when given (its nodes vanish with the test), else the local Redis.
  const redis: RedisClient = opts.redis ?? new Redis(REDIS_URL);
  const store = createJobStore({ redis, prefix, partitions: PARTITIONS, backoff: { baseMs: 50, factor: 2, capMs: 200 } });
  const workers: Array<{ app: WorkerApp; subscriber: RedisClient; pipeline: AiPipeline }> = [];

  return {
    store,
    redis,
    async startWorker(o: { concurrency?: number; leaseMs?: number; maintenanceMs?: number; auditWriter?: AuditSink; actionsEnabled?: boolean } = {}): Promise<WorkerApp> {
      const subscriber = duplicateConnection(redis, 'queue-worker-test:subscriber');
      const pipeline = createAiPipelineClient({ baseUrl: pipelineUrl, timeoutMs: 10_000 });
      const app = await createWorkerApp({
        logger: silent,
        metrics: createMetrics({ service: 'queue-worker', defaultMetrics: false }),
        store,
        redis,
        subscriber,
        channels: createKeySpace(prefix, PARTITIONS).channels,
        pipeline,
        partitions: PARTITIONS,
        concurrency: o.concurrency ?? 2,
        actionsEnabled: o.actionsEnabled,
        leaseMs: o.leaseMs ?? 3000,
        maintenanceMs: o.maintenanceMs ?? 100,
        auditWriter: o.auditWriter,
      });
      workers.push({ app, subscriber, pipeline });
      return app;
    },
    async close(): Promise<void> {
      for (const w of workers) {
        await w.app.worker.stop(2000);
        await w.app.http.close();
        await w.subscriber.quit();
        await w.pipeline.close();
      }
      await pipelineApp.close();
      if (redis instanceof Redis) {
        const keys = await redis.keys(`{${prefix}*`);
        if (keys.length) await Promise.all(keys.map((k) => redis.del(k)));
      }
      if (!opts.redis) await redis.quit();
    },
  };
}

/** Waits until the job reaches `status` (polling the store with backoff), and returns it. */
export async function waitForStatus(store: JobStore, job: Job, status: JobStatus, timeoutMs = 10_000): Promise<Job> {
  let last: Job | null = null;
  await waitFor(
    `job ${job.job_id} to be ${status}`,
    async () => {
      last = await store.get(job.workspace_id, job.job_id);
      return last?.status === status;
    },
    { timeoutMs },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; it is ${(last as Job | null)?.status ?? 'gone'}`);
  });
  return last as unknown as Job;
}
