/**
 * Kong's rate-limiting plugin with `policy: local`: fixed windows aligned to the UTC clock
 * (this second, this minute, ...), one counter per route, service, client IP and window, in
 * this process's memory (Kong's local policy counts per node the same way). A request is
 * refused when any window is used up; refused requests are not counted. Counting and
 * expiry are rate-limiter-flexible's in-memory limiter.
 *
 * Headers, as Kong sends them: X-RateLimit-Limit-<Period> and X-RateLimit-Remaining-<Period>
 * for each configured period, and RateLimit-Limit / -Remaining / -Reset for the period with
 * the least left (ties go to the longer window); 429 answers add Retry-After.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimitPeriod, RateLimitingConfig } from '../kong-config/plugin-schemas';
import { RATE_LIMIT_PERIODS } from '../kong-config/plugin-schemas';

/** Window lengths in seconds (kong/plugins/rate-limiting/expiration.lua). */
const WINDOW_S: Record<RateLimitPeriod, number> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 };

const CAPITALISED: Record<RateLimitPeriod, string> = { second: 'Second', minute: 'Minute', hour: 'Hour', day: 'Day', month: 'Month', year: 'Year' };

export interface RateLimitDecision {
  allowed: boolean;
  /** Response headers (empty with hide_client_headers). */
  headers: Record<string, string>;
  /** Seconds until the tightest window resets (Retry-After on a refusal). */
  resetS: number;
}

export interface RateLimiting {
  /** `scope` names the route and service; `identifier` the client (its IP). */
  check(scope: string, identifier: string): Promise<RateLimitDecision>;
}

interface Window {
  period: RateLimitPeriod;
  limit: number;
  limiter: RateLimiterMemory;
}

export function createRateLimiting(config: RateLimitingConfig, clock: () => number = Date.now): RateLimiting {
  const windows: Window[] = RATE_LIMIT_PERIODS.flatMap((period) => {
    const limit = config[period];
    return limit === undefined ? [] : [{ period, limit, limiter: new RateLimiterMemory({ points: limit, duration: WINDOW_S[period] }) }];
  });

  return {
    async check(scope, identifier) {
      const now = clock();
      const usage = await Promise.all(
        windows.map(async (w) => {
          const start = windowStart(w.period, now);
          const key = `${scope}|${identifier}|${w.period}|${start}`;
          const used = (await w.limiter.get(key))?.consumedPoints ?? 0;
          return { ...w, key, start, remaining: w.limit - used };
        }),
      );
      const stop = usage.find((u) => u.remaining <= 0)?.period;

      const headers: Record<string, string> = {};
      let tightest: { limit: number; remaining: number; windowS: number; resetS: number } | undefined;
      for (const u of usage) {
        // This request counts against every window unless another window already refused it.
        const remaining = Math.max(0, stop === undefined || stop === u.period ? u.remaining - 1 : u.remaining);
        const windowS = WINDOW_S[u.period];
        if (!tightest || remaining < tightest.remaining || (remaining === tightest.remaining && windowS > tightest.windowS)) {
          tightest = { limit: u.limit, remaining, windowS, resetS: Math.max(1, windowS - Math.floor((now - u.start) / 1000)) };
        }
        headers[`X-RateLimit-Limit-${CAPITALISED[u.period]}`] = String(u.limit);
        headers[`X-RateLimit-Remaining-${CAPITALISED[u.period]}`] = String(remaining);
      }
      if (tightest) {
        headers['RateLimit-Limit'] = String(tightest.limit);
        headers['RateLimit-Remaining'] = String(tightest.remaining);
        headers['RateLimit-Reset'] = String(tightest.resetS);
      }

      if (stop === undefined) {
        await Promise.all(usage.map((u) => u.limiter.penalty(u.key, 1)));
      }
      return { allowed: stop === undefined, headers: config.hide_client_headers ? {} : headers, resetS: tightest?.resetS ?? 1 };
    },
  };
}

/** Start (ms) of the UTC window of `period` containing `now` (kong.tools.timestamp.get_timestamps). */
export function windowStart(period: RateLimitPeriod, now: number): number {
  const d = new Date(now);
  switch (period) {
    case 'second':
      return Math.floor(now / 1000) * 1000;
    case 'minute':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
    case 'hour':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}
