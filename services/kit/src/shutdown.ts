import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  /** Run in order on the first SIGTERM/SIGINT: stop listening and drain, then release resources. */
  steps: ReadonlyArray<{ name: string; run: () => Promise<unknown> }>;
  /** After this many ms the process exits non-zero even if a step still waits (default 10 s). */
  graceMs?: number;
  /** For tests; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * Graceful shutdown: the first signal drains (in-flight requests finish, new ones are refused),
 * a second signal or the grace period ends it at once. Returns the drain function, so tests and
 * launchers can trigger the same sequence without a signal.
 */
export function handleShutdown(opts: ShutdownOptions): (reason: string) => Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const graceMs = opts.graceMs ?? 10_000;
  let started = false;

  const drain = async (reason: string): Promise<void> => {
    if (started) {
      opts.logger.warn({ reason }, 'second shutdown request, exiting now');
      exit(1);
      return;
    }
    started = true;
    opts.logger.info({ reason, grace_ms: graceMs }, 'shutting down');
    const timer = setTimeout(() => {
      opts.logger.error({ grace_ms: graceMs }, 'shutdown grace period over, exiting');
      exit(1);
    }, graceMs);
    timer.unref();
    let code = 0;
    for (const step of opts.steps) {
      try {
        await step.run();
      } catch (err) {
        code = 1;
        opts.logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    await flushTracing().catch((err: unknown) => opts.logger.warn({ err }, 'could not flush traces'));
    clearTimeout(timer);
    opts.logger.info('shutdown complete');
    exit(code);
  };

  for (const signal of opts.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
    process.on(signal, () => void drain(signal));
  }
  return drain;
}

/**
 * Ends the tracer provider that `startTracing` registered (if any), which exports the spans
 * still buffered; without it the last requests before a shutdown would be missing from traces.
 */
async function flushTracing(): Promise<void> {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = proxy.getDelegate?.() as { shutdown?: () => Promise<void> } | undefined;
  await provider?.shutdown?.();
}
