/**
 * The automation-service with its jobs routes on the real Redis at REDIS_URL (default
 * redis://127.0.0.1:6379), under a random key prefix that is deleted afterwards. `store` is a
 * second store on the same keys, for the tests to play the worker's part (claim, complete…).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createJobStore } from '@opsconductor/jobs';
import type { Job, JobStore, JobStoreOptions } from '@opsconductor/jobs';
import { closedPort, startService } from './helpers';
import type { ServiceOptions, ServiceUnderTest } from './helpers';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface JobsService extends ServiceUnderTest {
  redis: Redis;
  prefix: string;
  store: JobStore;
  /** Authorization of a key of that workspace and actor with every scope (one key per pair). */
  as(workspaceId: string, actorId?: string): Promise<Record<string, string>>;
  /** Plays a worker: claims from the job's partition until it holds this job (others go back). */
  claim(job: { workspace_id: string; job_id: string }): Promise<Job & { lease_token: string }>;
  /** How many event-stream connections of this service are open in Redis. */
  streamConnections(): Promise<number>;
}

export interface JobsServiceOptions {
  pipelineUrl?: string;
  heartbeatMs?: number;
  positionLimit?: number;
  store?: Partial<Omit<JobStoreOptions, 'redis' | 'blockingRedis' | 'prefix'>>;
  /** Replaces the Redis client the app gets (e.g. one that cannot connect). */
  appRedis?: Redis;
  access?: ServiceOptions['access'];
}

export function randomPrefix(): string {
  return `as-${randomBytes(5).toString('hex')}`;
}

export async function startJobsService(opts: JobsServiceOptions = {}): Promise<JobsService> {
  const redis = new Redis(REDIS_URL);
  await redis.ping(); // connected before the first request, as in a service that has been up a while
  const prefix = randomPrefix();
  const storeOptions = { partitions: 4, ...opts.store, prefix };
  const service = await startService({
    pipelineUrl: opts.pipelineUrl ?? `http://127.0.0.1:${await closedPort()}`,
    jobs: { redis: opts.appRedis ?? redis, store: storeOptions, sseHeartbeatMs: opts.heartbeatMs ?? 60_000, ssePositionLimit: opts.positionLimit },
    access: opts.access,
  });
  const store = createJobStore({ ...storeOptions, redis });
  const keys = new Map<string, Promise<Record<string, string>>>();
  return {
    ...service,
    redis,
    prefix,
    store,
    as(workspaceId, actorId = 'actor-1') {
      const pair = `${workspaceId}|${actorId}`;
      let key = keys.get(pair);
      if (!key) {
        key = service.keyFor(workspaceId, actorId);
        keys.set(pair, key);
      }
      return key;
    },
    async claim(job) {
      const partition = store.partitionOf(job.workspace_id);
      const others: Array<Job & { lease_token: string }> = [];
      try {
        for (;;) {
          const claimed = await store.claim(partition, { workerId: 'test-worker', leaseMs: 60_000 });
          if (claimed === null) throw new Error(`job ${job.job_id} is not ready in partition ${partition}`);
          if (claimed.job_id === job.job_id) return claimed;
          others.push(claimed);
        }
      } finally {
        for (const other of others) await store.release(other);
      }
    },
    async streamConnections() {
      const list = (await redis.call('CLIENT', 'LIST')) as string;
      return list.split('\n').filter((line) => line.includes(` name=automation-service:sse:${prefix} `)).length;
    },
    async close() {
      await service.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/** Every key of a prefix (tests only: production code never scans). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export { sample } from '@opsconductor/kit/testing';

/** Resolves when `check` holds, polling without a fixed sleep budget; fails with `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
