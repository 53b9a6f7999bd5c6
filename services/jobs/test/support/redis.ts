import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../../src/index';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A client of the real Redis the tests run against (REDIS_URL). */
export function connectLocalRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** A store prefix no other test file or run uses. */
export function randomPrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes every key whose hash tag starts with `{<prefix>` (all partitions). SCAN is fine in
 * tests; the store itself never scans. On a Cluster each master is scanned.
 */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<number> {
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 500);
      cursor = next;
      // One DEL per key: keys of different slots cannot share a command on a Cluster.
      for (const key of keys) deleted += await node.del(key);
    } while (cursor !== '0');
  }
  return deleted;
}
