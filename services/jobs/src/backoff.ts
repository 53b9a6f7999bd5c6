/** Retry delays: full jitter over an exponential ceiling. */
export interface BackoffOptions {
  /** Ceiling of the first retry, ms. Default 1000. */
  baseMs?: number;
  /** Growth of the ceiling per attempt. Default 5 (ceilings 1 s, 5 s, 25 s, 125 s). */
  factor?: number;
  /** Largest ceiling, ms. Default 125000. */
  capMs?: number;
}

/** The ceiling after the `attempt`-th failed attempt (1-based). */
export function backoffCeilingMs(attempt: number, opts: BackoffOptions = {}): number {
  const { baseMs = 1000, factor = 5, capMs = 125_000 } = opts;
  return Math.min(capMs, baseMs * factor ** Math.max(0, attempt - 1));
}

/**
 * A delay uniformly drawn in [0, ceiling). Computed here, not in Lua: Redis seeds Lua's
 * math.random identically for every script call, so it would not jitter.
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(attempt, opts));
}
