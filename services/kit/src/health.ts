/** A dependency the service needs to do its work (e.g. ai-pipeline, Redis). */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check: (signal: AbortSignal) => Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  duration_ms: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`; ready only when all pass. */
export async function runReadiness(
  checks: readonly ReadinessCheck[],
  opts: { timeoutMs: number; draining?: boolean },
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c): Promise<[string, CheckResult]> => {
      const started = performance.now();
      const signal = AbortSignal.timeout(opts.timeoutMs);
      try {
        await Promise.race([
          c.check(signal),
          new Promise<never>((_, reject) => {
            signal.addEventListener('abort', () => reject(new Error(`no answer within ${opts.timeoutMs} ms`)), { once: true });
          }),
        ]);
        return [c.name, { ok: true, duration_ms: elapsed(started) }];
      } catch (err) {
        return [c.name, { ok: false, duration_ms: elapsed(started), error: err instanceof Error ? err.message : String(err) }];
      }
    }),
  );
  const report: Record<string, CheckResult> = Object.fromEntries(entries);
  // While shutting down, say "not ready" so load balancers stop sending new work.
  if (opts.draining) report.shutdown = { ok: false, duration_ms: 0, error: 'draining' };
  return { ready: Object.values(report).every((r) => r.ok), checks: report };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
