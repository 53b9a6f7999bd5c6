/**
 * Where idle worker slots wait for work. A job enqueued (or released) in a partition wakes
 * one waiter and tells it the partition (`wakeOne`); maintenance that may have readied many
 * jobs wakes them all (`wakeAll`). Waking every slot for every job made each idle slot sweep
 * every partition: up to slots × partitions claim scripts for one job (bench `jobs`).
 *
 * A wake-up with nobody waiting is kept for the next wait(), which then returns at once: a
 * slot that found nothing and was about to sleep cannot miss the job that arrived meanwhile.
 * The timeout is a safety net for a lost message, not a poll interval.
 */
export class WakeSignal {
  private waiters: Array<(partition: number | undefined) => void> = [];
  private closed = false;
  /** A wake-up that came while nobody waited: `undefined` partition means any. */
  private missed: { partition: number | undefined } | undefined;

  /** Resolves with the partition to look at first, when the wake-up named one. */
  wait(timeoutMs: number): Promise<number | undefined> {
    // Once closed (shutdown), nobody waits: a slot that was about to sleep exits at once.
    if (this.closed) return Promise.resolve(undefined);
    if (this.missed) {
      const { partition } = this.missed;
      this.missed = undefined;
      return Promise.resolve(partition);
    }
    return new Promise((resolve) => {
      const release = (partition: number | undefined) => {
        clearTimeout(timer);
        resolve(partition);
      };
      // On timeout only this waiter leaves the list.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== release);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(release);
    });
  }

  /** One waiter (the longest waiting) is released and told the partition. */
  wakeOne(partition: number): void {
    const release = this.waiters.shift();
    if (release) release(partition);
    else this.missed = { partition };
  }

  wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    if (waiting.length === 0) this.missed = { partition: undefined };
    for (const release of waiting) release(undefined);
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
