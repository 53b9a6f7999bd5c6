import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './scripts';

export interface ConnectRedisOptions {
  /**
   * `redis://host:port` (or rediss://). For a cluster, a comma-separated list of seed nodes
   * (`redis://a:6379,redis://b:6379`): the client discovers the rest from any of them.
   */
  url: string;
  /** Connect as a Redis Cluster client (REDIS_CLUSTER=true). */
  cluster?: boolean;
  /** Shown in CLIENT LIST, so an operator can tell services and connections apart. */
  connectionName?: string;
  /** How often a command is retried while disconnected before it fails (default 3: fail fast). */
  maxRetriesPerRequest?: number;
}

/** The one place a service turns REDIS_URL (and REDIS_CLUSTER) into a client for the store. */
export function connectRedis(opts: ConnectRedisOptions): RedisClient {
  const redisOptions = { connectionName: opts.connectionName, maxRetriesPerRequest: opts.maxRetriesPerRequest ?? 3 };
  if (!opts.cluster) return new Redis(opts.url, redisOptions);
  const seeds = opts.url.split(',').map((part) => {
    const u = new URL(part.trim());
    return { host: u.hostname, port: Number(u.port || 6379) };
  });
  const first = new URL(opts.url.split(',')[0]!.trim());
  return new Cluster(seeds, {
    redisOptions: {
      ...redisOptions,
      username: first.username || undefined,
      password: first.password ? decodeURIComponent(first.password) : undefined,
      tls: first.protocol === 'rediss:' ? {} : undefined,
    },
  });
}

/**
 * A new connection with the same options: a blocking read or a subscription holds its
 * connection. The name shows in CLIENT LIST.
 */
export function duplicateConnection(redis: RedisClient, connectionName: string): RedisClient {
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, { redisOptions: { ...redis.options.redisOptions, connectionName } });
  }
  return redis.duplicate({ connectionName });
}

/** GET /ready's `redis` check: the client is connected and Redis answers PING. */
export function redisReadiness(redis: RedisClient): { name: string; check: () => Promise<void> } {
  return {
    name: 'redis',
    async check() {
      // While reconnecting, a PING would wait in the offline queue; say why at once instead.
      if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
      const answer = await redis.ping();
      if (answer !== 'PONG') throw new Error('redis did not answer PONG');
    },
  };
}
