import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { WorkspaceRateLimit } from '../src/guardrails/workspace-rate-limit';

describe('the per-workspace rate limit, counted in Redis', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `test-rl-${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    for await (const keys of redis.scanStream({ match: `${prefix}*` })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
    await redis.quit();
  });

  it('lets `limit` requests a minute through, then refuses with Retry-After and the RateLimit headers', async () => {
    const limit = new WorkspaceRateLimit({ redis, keyPrefix: prefix });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limit.check('ws-a', 3));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    const refused = decisions[3]!;
    expect(refused.headers).toMatchObject({ 'RateLimit-Limit': '3', 'RateLimit-Remaining': '0' });
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['Retry-After'])).toBeLessThanOrEqual(60);
    expect(decisions[0]!.headers['Retry-After']).toBeUndefined();
  });

  it('counts each workspace apart, across instances sharing Redis (replicas)', async () => {
    const a = new WorkspaceRateLimit({ redis, keyPrefix: prefix });
    const b = new WorkspaceRateLimit({ redis, keyPrefix: prefix });
    expect((await a.check('ws-x', 2)).allowed).toBe(true);
    expect((await b.check('ws-x', 2)).allowed).toBe(true);
    expect((await a.check('ws-x', 2)).allowed).toBe(false);
    expect((await b.check('ws-y', 2)).allowed).toBe(true);
  });

  it('uses 100 a minute by default, and refuses a limit that is not a positive integer', async () => {
    const limit = new WorkspaceRateLimit({ redis, keyPrefix: prefix });
    expect((await limit.check('ws-default')).headers['RateLimit-Limit']).toBe('100');
    await expect(limit.check('ws-z', 0)).rejects.toThrow(/positive integer/);
  });
});
