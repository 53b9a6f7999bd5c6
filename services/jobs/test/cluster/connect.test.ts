import { once } from 'node:events';
import { Cluster, Redis } from 'ioredis';
import { connectRedis, duplicateConnection, jobStoreEnv, redisReadiness } from '../../src';
import { startRedisCluster, type RedisClusterHandle } from '../../src/testing';
import { z } from 'zod';

describe('connectRedis', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(() => cluster?.stop(), 30_000);

  it('connects to a standalone Redis from REDIS_URL', async () => {
    const redis = connectRedis({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', connectionName: 'connect-test' });
    try {
      expect(redis).toBeInstanceOf(Redis);
      expect(await redis.ping()).toBe('PONG');
      expect(await (redis as Redis).client('GETNAME')).toBe('connect-test');
    } finally {
      await redis.quit();
    }
  });

  it('connects to a cluster from comma-separated seeds and finds every master', async () => {
    const seeds = cluster.nodes.slice(0, 2).map((n) => `redis://${n.host}:${n.port}`).join(',');
    const redis = connectRedis({ url: seeds, cluster: true, connectionName: 'connect-test' }) as Cluster;
    try {
      expect(redis).toBeInstanceOf(Cluster);
      if (redis.status !== 'ready') await once(redis, 'ready');
      await expect(redisReadiness(redis).check()).resolves.toBeUndefined();
      expect(redis.nodes('master')).toHaveLength(3);
      const dup = duplicateConnection(redis, 'connect-test:dup');
      expect(await dup.ping()).toBe('PONG');
      await dup.quit();
    } finally {
      await redis.quit();
    }
  });

  it('says why it is not ready while disconnected', async () => {
    const redis = connectRedis({ url: 'redis://127.0.0.1:9', maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    await expect(redisReadiness(redis).check()).rejects.toThrow(/redis connection is/);
    redis.disconnect();
  });
});

describe('jobStoreEnv', () => {
  const schema = z.object(jobStoreEnv);
  it('accepts one URL, or a list of seeds for a cluster', () => {
    expect(schema.parse({}).REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(schema.parse({ REDIS_URL: 'redis://a:7000,redis://b:7001', REDIS_CLUSTER: 'true' })).toMatchObject({ REDIS_CLUSTER: true });
  });
  it('refuses anything that is not a redis URL', () => {
    expect(schema.safeParse({ REDIS_URL: 'http://a:6379' }).success).toBe(false);
    expect(schema.safeParse({ REDIS_URL: 'redis://a:1,nope' }).success).toBe(false);
  });
});
