/**
 * Sees jobs complete by reading the workspaces' event streams straight from Redis (one
 * blocking XREAD over all of them): the cheapest honest observer, since it adds no HTTP
 * load to the services under test and reports each completion as soon as the store has it.
 */
import { createKeySpace } from '@opsconductor/jobs';
import { Redis } from 'ioredis';

export interface CompletionWatcher {
  /** performance.now() when each job was seen completed, by job id. */
  readonly completedAt: Map<string, number>;
  /** Every completion time, in the order seen (for counting over a window). */
  readonly times: number[];
  /** Resolves when `done(ids)` holds or after `timeoutMs`; returns whether it held. */
  waitFor(done: () => boolean, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export function watchCompletions(redisUrl: string, prefix: string, partitions: number, workspaces: string[]): CompletionWatcher {
  const keys = createKeySpace(prefix, partitions);
  const streams = workspaces.map((ws) => keys.events(ws));
  const last = streams.map(() => '0-0');
  // RESP2: XREAD answers `[[key, [[id, [field, value, ...]], ...]], ...]`.
  const redis = new Redis(redisUrl, { protocol: 2, connectionName: 'bench:jobs-watch' });
  const completedAt = new Map<string, number>();
  const times: number[] = [];
  let stopping = false;
  const waiters: Array<() => void> = [];

  async function loop(): Promise<void> {
    while (!stopping) {
      const reply = (await redis.call('XREAD', 'COUNT', 1000, 'BLOCK', 200, 'STREAMS', ...streams, ...last)) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      const seen = performance.now();
      for (const [key, entries] of reply ?? []) {
        const at = streams.indexOf(key);
        for (const [id, fields] of entries) {
          last[at] = id;
          let jobId = '';
          let status = '';
          for (let i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i] === 'job_id') jobId = fields[i + 1] as string;
            else if (fields[i] === 'status') status = fields[i + 1] as string;
          }
          if (status === 'completed') {
            completedAt.set(jobId, seen);
            times.push(seen);
          }
        }
      }
      for (const wake of waiters.splice(0)) wake();
    }
  }
  const running = loop();

  return {
    completedAt,
    times,
    async waitFor(done, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (!done()) {
        if (performance.now() > deadline) return false;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return true;
    },
    async stop() {
      stopping = true;
      await running.catch(() => undefined);
      for (const wake of waiters.splice(0)) wake();
      await redis.quit().catch(() => undefined);
    },
  };
}
