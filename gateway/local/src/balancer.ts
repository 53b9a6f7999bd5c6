/**
 * Weighted round-robin over an upstream's targets, the stand-in for Kong's `round-robin`
 * algorithm: over any run of requests each target gets its share of the total weight, and a
 * target of weight 0 gets nothing. It uses the smooth variant (as nginx does), so the shares
 * are exact and interleaved rather than random, which keeps canary splits testable.
 */
import type { TargetModel, UpstreamModel } from './kong-config/model';

export class RoundRobinBalancer {
  private readonly current = new Map<TargetModel, number>();
  private readonly targets: TargetModel[];
  private readonly total: number;

  constructor(upstream: UpstreamModel) {
    this.targets = upstream.targets.filter((t) => t.weight > 0);
    this.total = this.targets.reduce((sum, t) => sum + t.weight, 0);
    for (const t of this.targets) this.current.set(t, 0);
  }

  /** The next target, or undefined when every target has weight 0 (Kong answers 503 then). */
  next(): TargetModel | undefined {
    let best: TargetModel | undefined;
    let bestScore = -Infinity;
    for (const target of this.targets) {
      const score = (this.current.get(target) ?? 0) + target.weight;
      this.current.set(target, score);
      if (score > bestScore) {
        best = target;
        bestScore = score;
      }
    }
    if (best) this.current.set(best, bestScore - this.total);
    return best;
  }
}

/** One balancer per upstream, shared by every service that points at it. */
export function createBalancers(upstreams: readonly UpstreamModel[]): Map<string, RoundRobinBalancer> {
  return new Map(upstreams.map((u) => [u.name, new RoundRobinBalancer(u)]));
}
