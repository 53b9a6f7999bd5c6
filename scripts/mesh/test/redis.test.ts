import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureRedis, freePort, redisPing } from '../src';

describe('ensureRedis', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mesh-redis-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses a Redis that answers and leaves it running', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redis = await ensureRedis(url, dir);
    expect(redis.started).toBe(false);
    await redis.stop();
    expect(await redisPing(url)).toBe(true);
  });

  it('starts redis-server from PATH with its data under the data dir when none answers, and stops it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    expect(await redisPing(url)).toBe(false);
    const redis = await ensureRedis(url, path.join(dir, 'redis'));
    try {
      expect(redis.started).toBe(true);
      expect(await redisPing(url)).toBe(true);
      expect(existsSync(path.join(dir, 'redis'))).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await redisPing(url)).toBe(false);
  });

  it('says how to get a Redis when the one named is remote and down', async () => {
    await expect(ensureRedis('redis://redis.invalid:6379', dir)).rejects.toThrow(
      'Redis is not reachable at redis://redis.invalid:6379 or set REDIS_URL to a running Redis.',
    );
  });
});
