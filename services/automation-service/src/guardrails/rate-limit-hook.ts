/**
 * Counts every authenticated request against its workspace's per-minute limit (its own, else
 * the default) and answers 429 RATE_LIMITED with Retry-After past it. Every counted answer
 * carries the RateLimit-* headers, so clients can pace themselves before they are refused.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '@opsconductor/kit';
import type { SettingsSource } from './settings';
import type { WorkspaceRateLimit } from './workspace-rate-limit';

export interface RateLimitHookOptions {
  limiter: WorkspaceRateLimit;
  settings: SettingsSource;
  defaultPerMinute: number;
}

export function registerRateLimit(app: FastifyInstance, opts: RateLimitHookOptions): void {
  // Registered after the auth hook, so it runs after it and sees the caller.
  app.addHook('onRequest', async (request, reply) => {
    const caller = request.caller;
    if (caller === undefined) return;
    let decision;
    try {
      const own = (await opts.settings.resolve(caller.workspaceId)).rate_limit_per_minute;
      decision = await opts.limiter.check(caller.workspaceId, own ?? opts.defaultPerMinute);
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'rate limit unavailable');
      throw new AppError('UNAVAILABLE', 'the rate limiter is unavailable; retry later', { retryAfterS: 1, cause: err });
    }
    reply.headers(decision.headers);
    if (!decision.allowed) {
      throw new AppError('RATE_LIMITED', `this workspace may send ${decision.limit} requests a minute; retry in ${decision.resetS} s`, { retryAfterS: decision.resetS });
    }
  });
}
