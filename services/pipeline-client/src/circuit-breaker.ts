import { CircuitOpenError, createCircuitBreaker } from '@opsconductor/kit';
import type { CircuitBreaker, CircuitBreakerWiring } from '@opsconductor/kit';
import { PipelineError } from './errors';

/** The `ai_pipeline` breaker of a client (docs/decisions/circuit-breakers.md): circuit_breaker_*{breaker="ai_pipeline"} on the service's registry. */
export type PipelineBreakerOptions = CircuitBreakerWiring;

/**
 * Whether a failed call counts against ai-pipeline itself: it could not be reached, hung up,
 * timed out, failed with 500, or answered something that is not its envelope (a proxy's 502
 * page, a malformed 200). Not counted: the caller's 4xx, the caller going away
 * (CallCancelledError), and ai-pipeline's own 502/503/504 envelope: ai-pipeline answered, and
 * says a dependency behind it (a tool's provider, the planner's LLM) failed, which has its own
 * breaker there. Counting those would let one dead provider shut every tool out.
 */
export function isPipelineFailure(err: unknown): boolean {
  if (!(err instanceof PipelineError)) return false;
  const status = err.upstreamStatus;
  if (status === undefined) return true;
  if (status >= 400 && status < 500) return false;
  if (status > 500 && err.upstreamCode !== undefined && err.upstreamCode !== 'INTERNAL_ERROR') return false;
  return true;
}

/** Runs calls through the breaker; a refusal becomes the 503 PipelineError callers already handle. */
export function createPipelineBreaker(opts: PipelineBreakerOptions): Pick<CircuitBreaker, 'state' | 'shutdown'> & { run<T>(fn: () => Promise<T>): Promise<T> } {
  const breaker = createCircuitBreaker({ ...opts, name: 'ai_pipeline', isFailure: isPipelineFailure, label: 'AI Pipeline' });
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return await breaker.run(fn);
      } catch (err) {
        if (!(err instanceof CircuitOpenError)) throw err;
        throw new PipelineError('UNAVAILABLE', err.message, { retryAfterS: err.retryAfterS, retryable: true, cause: err });
      }
    },
    state: () => breaker.state(),
    shutdown: () => breaker.shutdown(),
  };
}
