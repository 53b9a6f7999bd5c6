/**
 * What the queue comparison needs from a queue system, so OpsConductor's store and BullMQ
 * go through the very same measurement code.
 */

/** A running in-process worker whose handler is a no-op apart from reporting its start. */
export interface QueueWorker {
  /** performance.now() when the worker began taking jobs (connections were ready by then). */
  readonly startedAt: number;
  /** Jobs whose completion the queue has acknowledged (the completion is stored). */
  readonly completed: number;
  /** Resolves once `completed` reaches `n`. */
  waitForCompleted(n: number): Promise<void>;
  stop(): Promise<void>;
}

export interface QueueSystem {
  name: string;
  /** Enqueues one job with the bench payload; `tag` comes back to the handler. */
  enqueue(tag: string): Promise<void>;
  /** Starts a worker with `concurrency` slots; `onStart` is called as each handler starts. */
  startWorker(concurrency: number, onStart: (tag: string) => void): Promise<QueueWorker>;
  /** Closes the system's connections (the worker is stopped separately). */
  close(): Promise<void>;
}

/**
 * The same job parameters for both systems: about 300 bytes of JSON, with the tag as `input`
 * (ai-pipeline's input in OpsConductor) so a handler can tell jobs apart.
 */
export function payload(tag: string): Record<string, unknown> {
  return {
    input: tag,
    target: 'deploy/checkout-service',
    environment: 'staging',
    region: 'eu-west-1',
    requested_by: 'ops-bench@example.com',
    labels: { team: 'payments', tier: 'critical', change: 'CHG-0042317' },
    options: { dry_run: false, timeout_s: 120, notify: ['#ops-alerts', '#payments'], retries: 2 },
  };
}

/** Counts completions and wakes whoever waits for a count. */
export class CompletionCounter {
  count = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  bump(): void {
    this.count++;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.n <= this.count);
    this.waiters = this.waiters.filter((w) => w.n > this.count);
    for (const w of ready) w.resolve();
  }

  wait(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}
