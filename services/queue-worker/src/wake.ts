/**
 * Where idle worker slots wait for work. A wake-up (a job was enqueued or became due, or a
 * slot was freed during shutdown) releases every waiter at once; they then race to claim, and
 * the losers wait again. The timeout is a safety net for a lost message, not a poll interval.
 */
export class WakeSignal {
  private waiters: Array<() => void> = [];
  private closed = false;

  wait(timeoutMs: number): Promise<void> {
    // Once closed (shutdown), nobody waits: a slot that was about to sleep exits at once.
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        resolve();
      };
      // On timeout only this waiter leaves the list; wakeAll() takes the whole list at once.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== release);
        resolve();
      }, timeoutMs);
      this.waiters.push(release);
    });
  }

  wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const release of waiting) release();
  }

  /** Releases every waiter and makes every later wait() return at once. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
