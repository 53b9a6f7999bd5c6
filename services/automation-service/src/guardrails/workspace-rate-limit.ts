/**
 * The per-workspace request limit (default 100 requests a minute), counted in Redis so every
 * automation-service replica shares one count. Counting is rate-limiter-flexible's
 * (RateLimiterRedis: one atomic Redis call per request, a fixed one-minute window per
 * workspace). A workspace with its own limit gets a limiter of that size; changing a
 * workspace's limit starts its window anew.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Cluster, Redis } from 'ioredis';

export const DEFAULT_REQUESTS_PER_MINUTE = 100;
const WINDOW_S = 60;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetS: number;
  /** RateLimit-Limit / -Remaining / -Reset, and Retry-After when refused. */
  headers: Record<string, string>;
}

export interface WorkspaceRateLimitOptions {
  redis: Redis | Cluster;
  /** Key prefix in Redis (the job store's prefix keeps them together), e.g. `oc:ratelimit`. */
  keyPrefix: string;
}

export class WorkspaceRateLimit {
  private readonly limiters = new Map<number, RateLimiterRedis>();

  constructor(private readonly opts: WorkspaceRateLimitOptions) {}

  /** Counts one request of the workspace against `limit` a minute and says whether it may go on. */
  async check(workspaceId: string, limit: number = DEFAULT_REQUESTS_PER_MINUTE): Promise<RateLimitDecision> {
    const limiter = this.limiterFor(limit);
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await limiter.consume(workspaceId, 1);
    } catch (err) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the points are used up, and
      // with an Error when Redis failed: only the first is a refusal.
      if (!(err instanceof RateLimiterRes)) throw err;
      res = err;
      allowed = false;
    }
    const resetS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    const remaining = Math.max(0, res.remainingPoints);
    const headers: Record<string, string> = { 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(resetS) };
    if (!allowed) headers['Retry-After'] = String(resetS);
    return { allowed, limit, remaining, resetS, headers };
  }

  private limiterFor(limit: number): RateLimiterRedis {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`rate limit must be a positive integer, got ${limit}`);
    let limiter = this.limiters.get(limit);
    if (!limiter) {
      limiter = new RateLimiterRedis({ storeClient: this.opts.redis, keyPrefix: `${this.opts.keyPrefix}:${limit}`, points: limit, duration: WINDOW_S });
      this.limiters.set(limit, limiter);
    }
    return limiter;
  }
}
