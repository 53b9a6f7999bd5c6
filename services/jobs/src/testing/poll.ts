/**
 * Waiting without fixed sleeps: call `probe` until it returns a value other than undefined,
 * backing off exponentially between tries, and fail with the last reason once `timeoutMs`
 * has passed.
 */
export interface PollOptions {
  /** What is being waited for, named in the timeout error. */
  what: string;
  /** Total budget, ms. Default 20000. */
  timeoutMs?: number;
  /** First pause between tries, ms; doubles up to `maxDelayMs`. Default 10. */
  initialDelayMs?: number;
  /** Longest pause between tries, ms. Default 250. */
  maxDelayMs?: number;
  /** An error for which waiting longer is pointless (e.g. the process died): rethrown at once. */
  isFatal?: (err: unknown) => boolean;
}

export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const { what, timeoutMs = 20_000, initialDelayMs = 10, maxDelayMs = 250, isFatal } = options;
  const deadline = Date.now() + timeoutMs;
  let delay = initialDelayMs;
  let lastReason: string;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastReason = 'condition not met yet';
    } catch (err) {
      if (isFatal?.(err)) throw err;
      lastReason = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() + delay > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${lastReason})`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
