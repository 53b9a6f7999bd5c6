/**
 * The config the gateway runs, and the one change it makes to it while running: the weights
 * of upstream targets, which is what a canary rollout moves (Kong's `POST /config`, answered
 * by ./admin-app.ts). Anything else in kong.yml shapes the router, the plugins and the
 * upstream pools, which are built once at start; such a config is refused with a request to
 * restart rather than half-applied.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { RoundRobinBalancer } from './balancer';
import type { DeclarativeConfig } from './kong-config/entity-schemas';
import type { GatewayCheckOptions } from './kong-config/load';
import { checkGatewayConfig, configurationHash, formatPath } from './kong-config/load';
import type { GatewayModel } from './kong-config/model';

/** How many differing fields a refusal names (the first ones, in file order). */
const MAX_REPORTED_CHANGES = 5;

export type ApplyOutcome =
  | { outcome: 'applied'; config: DeclarativeConfig }
  /** The config fails the checks the gateway ran at start (one line per bad field). */
  | { outcome: 'invalid'; problems: string[] }
  /** The config differs from the running one in more than target weights; `changed` names fields. */
  | { outcome: 'needs-restart'; changed: string[] };

export interface LiveConfigOptions {
  model: GatewayModel;
  /** The checked config the model was built from, and its text. */
  config: DeclarativeConfig;
  text: string;
  /** The proxy's balancers (one per upstream): entries are swapped when weights change. */
  balancers: Map<string, RoundRobinBalancer>;
  /** The options the gateway was checked with at start, so a config refused then is refused now. */
  check: GatewayCheckOptions;
  logger: Logger;
}

export class LiveConfig {
  private runningConfig: DeclarativeConfig;
  private runningText: string;
  /** When the running config was loaded, in seconds (Kong's `created_at` of entities without one). */
  readonly loadedAtS = Math.floor(Date.now() / 1000);

  constructor(private readonly opts: LiveConfigOptions) {
    this.runningConfig = opts.config;
    this.runningText = opts.text;
  }

  get config(): DeclarativeConfig {
    return this.runningConfig;
  }

  get text(): string {
    return this.runningText;
  }

  get hash(): string {
    return this.opts.model.configurationHash;
  }

  /** Checks `text` and, when only target weights differ from the running config, applies it. */
  apply(text: string): ApplyOutcome {
    const { problems, config } = checkGatewayConfig(text, this.opts.check);
    if (!config) return { outcome: 'invalid', problems };
    const changed = differences(withoutWeights(this.runningConfig), withoutWeights(config));
    if (changed.length > 0) return { outcome: 'needs-restart', changed };

    const moved: string[] = [];
    for (const [i, upstream] of this.opts.model.upstreams.entries()) {
      const next = config.upstreams?.[i]?.targets ?? [];
      let changedWeights = false;
      for (const [j, target] of upstream.targets.entries()) {
        const weight = next[j]?.weight ?? target.weight;
        if (weight === target.weight) continue;
        target.weight = weight;
        changedWeights = true;
      }
      // A balancer keeps its own list and total of weights: a new one follows the new weights
      // from the very next request (the swap is synchronous, so no request sees half of it).
      if (changedWeights) {
        this.opts.balancers.set(upstream.name, new RoundRobinBalancer(upstream));
        moved.push(upstream.name);
      }
    }
    this.opts.model.configurationHash = configurationHash(text);
    this.runningConfig = config;
    this.runningText = text;
    this.opts.logger.info({ weights: this.weights(), changed_upstreams: moved, configuration_hash: this.hash }, 'config applied');
    return { outcome: 'applied', config };
  }

  /** `{upstream: {target: weight}}` of the running model. */
  weights(): Record<string, Record<string, number>> {
    return Object.fromEntries(this.opts.model.upstreams.map((u) => [u.name, Object.fromEntries(u.targets.map((t) => [t.target, t.weight]))]));
  }
}

function withoutWeights(config: DeclarativeConfig): unknown {
  return {
    ...config,
    upstreams: config.upstreams?.map((u) => ({ ...u, targets: u.targets?.map(({ weight: _weight, ...target }) => target) })),
  };
}

/** The paths (`services[0].routes[0].paths[4]`) where `a` and `b` differ, the first few. */
function differences(a: unknown, b: unknown, path: PropertyKey[] = [], found: string[] = []): string[] {
  if (found.length >= MAX_REPORTED_CHANGES || isDeepStrictEqual(a, b)) return found;
  const bothArrays = Array.isArray(a) && Array.isArray(b);
  const bothObjects = isRecord(a) && isRecord(b);
  if ((bothArrays && a.length === b.length) || bothObjects) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      differences(left[key], right[key], [...path, bothArrays ? Number(key) : key], found);
    }
    return found;
  }
  found.push(formatPath(path) || '(file)');
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
