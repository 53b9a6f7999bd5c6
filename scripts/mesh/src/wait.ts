/**
 * Polls `probe` until it resolves true, backing off from 25 ms to 250 ms, or fails after
 * `timeoutMs` with the last reason. Used to wait for a started process to become ready.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; abort?: Promise<never> },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 25;
  let lastError = 'not ready';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() + delay > deadline) throw new Error(`${what} was not ready within ${opts.timeoutMs} ms (${lastError})`);
    const tick = new Promise<void>((resolve) => setTimeout(resolve, delay));
    await (opts.abort ? Promise.race([tick, opts.abort]) : tick);
    delay = Math.min(delay * 2, 250);
  }
}

/** True when GET `url` answers 2xx within a second. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}
