import { EventEmitter } from 'node:events';
import Opossum from 'opossum';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { AppError } from './errors';
import type { Logger } from './logger';

/**
 * Circuit breakers over opossum 9 (docs/decisions/circuit-breakers.md). Opossum keeps the
 * rolling window, the failure ratio, the volume threshold and the half-open probe; this adds
 * what it has no answer for: our error type, a bounded set of keyed circuits, the window
 * cleared on close, and the prom-client series.
 */

/** The breakers of the mesh: a metric label, so a fixed set. */
export const BREAKER_NAMES = ['ai_pipeline', 'llm', 'smtp', 'webhook'] as const;
export type BreakerName = (typeof BREAKER_NAMES)[number];

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export interface CircuitBreakerSettings {
  /** The circuit opens when more than this share of the window's calls failed (1–99). */
  errorThresholdPercent: number;
  /** Calls the window must hold before it may open: two failures in a quiet minute do not. */
  volumeThreshold: number;
  /** Length of the rolling window in ms (10 buckets). */
  windowMs: number;
  /** Time an open circuit refuses calls before one probe goes through (half-open). */
  resetMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_SETTINGS: Readonly<CircuitBreakerSettings> = {
  errorThresholdPercent: 50,
  volumeThreshold: 5,
  windowMs: 10_000,
  resetMs: 10_000,
};

/** What every breaker of a process shares; each wrapper (createLlmBreaker, …) adds its name and failure rule. */
export interface CircuitBreakerWiring {
  /** The process' registry: every breaker of it shares the two series. */
  registry: Registry;
  /** The process' CIRCUIT_BREAKER_* settings (circuitBreakerSettings(config)); DEFAULT_CIRCUIT_BREAKER_SETTINGS otherwise. */
  settings?: Partial<CircuitBreakerSettings>;
  /** Transitions are logged (open: warn; half-open, close: info). */
  logger?: Logger;
}

export interface CircuitBreakerOptions extends CircuitBreakerWiring {
  name: BreakerName;
  /**
   * Whether an error is the dependency's fault and counts against it. Errors it rejects (bad
   * input, 4xx, the caller giving up) count as answers. Default: every error counts.
   */
  isFailure?: (err: unknown) => boolean;
  /** What the refusal message calls the dependency ("the LLM provider"); default the name. */
  label?: string;
}

export interface KeyedCircuitBreakerOptions extends CircuitBreakerOptions {
  /** Circuits kept (least recently used dropped first); default 1000. */
  maxKeys?: number;
}

export interface CircuitBreaker {
  /** Runs `fn` unless the circuit is open; then throws CircuitOpenError without calling it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  state(): CircuitState;
  /** Stops the timers and drops the breaker from the series; later calls are refused. */
  shutdown(): void;
}

/** One circuit per key (a host name): one dead host does not open another's circuit. */
export interface KeyedCircuitBreakers {
  /** As CircuitBreaker.run, on the circuit of `key`; the refusal message names the key. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** `closed` for a key not seen (or dropped). */
  state(key: string): CircuitState;
  shutdown(): void;
}

/** A call refused while the circuit is open: 503, Retry-After = seconds until the next probe. */
export class CircuitOpenError extends AppError {
  readonly breaker: BreakerName;

  constructor(breaker: BreakerName, what: string, retryAfterS: number) {
    super('UNAVAILABLE', `${what} is failing; calls are refused for ${retryAfterS} s (circuit open)`, { retryAfterS });
    this.name = 'CircuitOpenError';
    this.breaker = breaker;
  }
}

export function isCircuitOpenError(err: unknown): err is CircuitOpenError {
  return err instanceof CircuitOpenError;
}

const BUCKETS = 10;
const DEFAULT_MAX_KEYS = 1000;

type Action = (fn: () => Promise<unknown>) => Promise<unknown>;
const runIt: Action = (fn) => fn();

interface Shared {
  calls: Counter<'breaker' | 'result'>;
  /** Each breaker's circuits' states, read at scrape time. */
  sources: Set<{ name: BreakerName; states: () => Iterable<CircuitState> }>;
}

const sharedByRegistry = new WeakMap<Registry, Shared>();

function sharedMetrics(registry: Registry): Shared {
  const existing = sharedByRegistry.get(registry);
  if (existing) return existing;
  const sources: Shared['sources'] = new Set();
  new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuits of each breaker in each state (closed, open, half_open); a breaker without keys has one circuit',
    labelNames: ['breaker', 'state'] as const,
    registers: [registry],
    collect() {
      const counts = new Map<BreakerName, Record<CircuitState, number>>();
      for (const source of sources) {
        const count = counts.get(source.name) ?? { closed: 0, open: 0, half_open: 0 };
        for (const state of source.states()) count[state] += 1;
        counts.set(source.name, count);
      }
      this.reset();
      for (const [breaker, count] of counts) for (const state of CIRCUIT_STATES) this.set({ breaker, state }, count[state]);
    },
  });
  const calls = new Counter({
    name: 'circuit_breaker_calls_total',
    help: 'Calls through a circuit breaker: success (the dependency answered), failure (counted against it), rejected (circuit open)',
    labelNames: ['breaker', 'result'] as const,
    registers: [registry],
  });
  const shared = { calls, sources };
  sharedByRegistry.set(registry, shared);
  return shared;
}

function settingsOf(opts: CircuitBreakerOptions): CircuitBreakerSettings {
  const s = { ...DEFAULT_CIRCUIT_BREAKER_SETTINGS, ...opts.settings };
  if (!BREAKER_NAMES.includes(opts.name)) throw new Error(`unknown circuit breaker "${opts.name}"; one of ${BREAKER_NAMES.join(', ')}`);
  if (!(s.errorThresholdPercent >= 1 && s.errorThresholdPercent <= 99)) throw new Error('errorThresholdPercent must be from 1 to 99');
  if (!(Number.isInteger(s.volumeThreshold) && s.volumeThreshold >= 1)) throw new Error('volumeThreshold must be a positive integer');
  if (!(s.windowMs >= BUCKETS && s.resetMs >= 1)) throw new Error(`windowMs must be at least ${BUCKETS} and resetMs positive`);
  return s;
}

function stateOf(circuit: Opossum): CircuitState {
  if (circuit.opened) return 'open';
  return circuit.halfOpen ? 'half_open' : 'closed';
}

/** One opossum circuit and when it last opened (opossum's own lastTimerAt is its construction time). */
interface Circuit {
  opossum: Opossum<Parameters<Action>, unknown>;
  openedAt: number;
}

function createCircuit(
  opts: CircuitBreakerOptions,
  settings: CircuitBreakerSettings,
  extra: { rotateBucketController?: EventEmitter; key?: string },
): Circuit {
  const isFailure = opts.isFailure ?? (() => true);
  const opossum = new Opossum<Parameters<Action>, unknown>(runIt, {
    name: opts.name,
    // Callers bound their own calls (deadlines, the caller's signal); a second clock would only disagree.
    timeout: false,
    errorThresholdPercentage: settings.errorThresholdPercent,
    volumeThreshold: settings.volumeThreshold,
    rollingCountTimeout: settings.windowMs,
    rollingCountBuckets: BUCKETS,
    resetTimeout: settings.resetMs,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    // An isFailure that throws must not leave the call unsettled inside opossum's handler.
    errorFilter: (err: unknown) => {
      try {
        return !isFailure(err);
      } catch {
        return false;
      }
    },
    ...(extra.rotateBucketController ? { rotateBucketController: extra.rotateBucketController } : {}),
  });
  const circuit: Circuit = { opossum, openedAt: 0 };
  const where = { breaker: opts.name, ...(extra.key === undefined ? {} : { circuit: extra.key }) };
  opossum.on('open', () => {
    circuit.openedAt = Date.now();
    opts.logger?.warn({ ...where, reset_ms: settings.resetMs }, 'circuit opened: calls fail fast until a probe succeeds');
  });
  opossum.on('halfOpen', () => opts.logger?.info(where, 'circuit half-open: the next call is a probe'));
  opossum.on('close', () => {
    // Opossum's window still holds the calls refused while open (counted as fires) and the
    // failures before: a dependency that dies again right after closing would be diluted by
    // them. The buckets are rotated out, so a closed circuit judges only calls made since.
    const status = opossum.status as unknown as { rotateBucket?: () => void };
    for (let i = 0; i < BUCKETS; i++) status.rotateBucket?.();
    opts.logger?.info(where, 'circuit closed: the probe succeeded');
  });
  return circuit;
}

/** Runs `fn` through one circuit, counting the outcome and turning opossum's refusal into ours. */
async function runThrough<T>(circuit: Circuit, fn: () => Promise<T>, ctx: { opts: CircuitBreakerOptions; settings: CircuitBreakerSettings; calls: Shared['calls']; what: string }): Promise<T> {
  const { opts, calls } = ctx;
  try {
    const value = (await circuit.opossum.fire(fn)) as T;
    calls.inc({ breaker: opts.name, result: 'success' });
    return value;
  } catch (err) {
    const code = Opossum.isOurError(err as Error) ? (err as { code?: unknown }).code : undefined;
    if (code === 'EOPENBREAKER') {
      calls.inc({ breaker: opts.name, result: 'rejected' });
      throw new CircuitOpenError(opts.name, ctx.what, retryAfterS(circuit, ctx.settings));
    }
    if (code === 'ESHUTDOWN') throw shutDownError(ctx.what);
    let failure = true;
    try {
      failure = opts.isFailure ? opts.isFailure(err) : true;
    } catch {
      // As the errorFilter above: counted.
    }
    calls.inc({ breaker: opts.name, result: failure ? 'failure' : 'success' });
    throw err;
  }
}

/** Seconds until the probe may go (at least 1); 1 while a probe is running (half-open). */
function retryAfterS(circuit: Circuit, settings: CircuitBreakerSettings): number {
  if (!circuit.opossum.opened) return 1;
  return Math.max(1, Math.ceil((circuit.openedAt + settings.resetMs - Date.now()) / 1000));
}

/** A call after shutdown() (the process is stopping). */
function shutDownError(what: string): AppError {
  return new AppError('UNAVAILABLE', `calls to ${what} are refused: shutting down`, { retryAfterS: 1 });
}

function initCalls(calls: Shared['calls'], name: BreakerName): void {
  for (const result of ['success', 'failure', 'rejected'] as const) calls.inc({ breaker: name, result }, 0);
}

/** One circuit around one dependency (ai-pipeline, the LLM provider). */
export function createCircuitBreaker(opts: CircuitBreakerOptions): CircuitBreaker {
  const settings = settingsOf(opts);
  const { calls, sources } = sharedMetrics(opts.registry);
  const circuit = createCircuit(opts, settings, {});
  const source = { name: opts.name, states: () => [stateOf(circuit.opossum)] };
  sources.add(source);
  initCalls(calls, opts.name);
  const ctx = { opts, settings, calls, what: opts.label ?? opts.name };
  return {
    run: (fn) => runThrough(circuit, fn, ctx),
    state: () => stateOf(circuit.opossum),
    shutdown() {
      sources.delete(source);
      circuit.opossum.shutdown();
    },
  };
}

/**
 * A circuit per key (webhook and SMTP hosts), created on first use; at most `maxKeys`, the
 * least recently used dropped first. Keys never become labels: the series count circuits.
 */
export function createCircuitBreakers(opts: KeyedCircuitBreakerOptions): KeyedCircuitBreakers {
  const settings = settingsOf(opts);
  const maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!(Number.isInteger(maxKeys) && maxKeys >= 1)) throw new Error('maxKeys must be a positive integer');
  const { calls, sources } = sharedMetrics(opts.registry);
  // One timer rotates every circuit's window instead of one interval per key.
  const rotator = new EventEmitter();
  rotator.setMaxListeners(0);
  const timer = setInterval(() => rotator.emit('rotate'), Math.floor(settings.windowMs / BUCKETS));
  timer.unref();
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const circuits = new Map<string, Circuit>();
  const source = { name: opts.name, states: () => [...circuits.values()].map((c) => stateOf(c.opossum)) };
  sources.add(source);
  initCalls(calls, opts.name);
  const label = opts.label ?? opts.name;
  let stopped = false;

  const circuitOf = (key: string): Circuit => {
    const found = circuits.get(key);
    if (found) {
      circuits.delete(key);
      circuits.set(key, found);
      return found;
    }
    const created = createCircuit(opts, settings, { rotateBucketController: rotator, key });
    circuits.set(key, created);
    if (circuits.size > maxKeys) {
      const [oldestKey, oldest] = circuits.entries().next().value as [string, Circuit];
      circuits.delete(oldestKey);
      oldest.opossum.shutdown();
    }
    return created;
  };

  return {
    run: async (key, fn) => {
      const what = `${label} ${key}`;
      if (stopped) throw shutDownError(what);
      return runThrough(circuitOf(key), fn, { opts, settings, calls, what });
    },
    state: (key) => {
      const circuit = circuits.get(key);
      return circuit ? stateOf(circuit.opossum) : 'closed';
    },
    shutdown() {
      stopped = true;
      clearInterval(timer);
      sources.delete(source);
      for (const circuit of circuits.values()) circuit.opossum.shutdown();
      circuits.clear();
    },
  };
}
