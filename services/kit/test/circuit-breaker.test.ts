import { Registry } from 'prom-client';
import { z } from 'zod';
import {
  AppError,
  CircuitOpenError,
  ConfigError,
  DEFAULT_CIRCUIT_BREAKER_SETTINGS,
  circuitBreakerEnv,
  circuitBreakerSettings,
  createCircuitBreaker,
  createCircuitBreakers,
  createLogger,
  loadConfig,
} from '../src';
import type { CircuitBreakerSettings } from '../src';
import { captureLogs, promtoolCheckMetrics, sample } from '../src/testing';

/** A long window (nothing ages out during a test) and a short reset, so half-open comes quickly. */
const FAST: CircuitBreakerSettings = { errorThresholdPercent: 50, volumeThreshold: 5, windowMs: 60_000, resetMs: 150 };

class Refused extends Error {
  constructor(readonly status: number) {
    super(`refused with ${status}`);
  }
}
/** As the services classify: a 4xx is the caller's mistake, anything else the dependency's. */
const isFailure = (err: unknown) => !(err instanceof Refused && err.status < 500);

const ok = () => Promise.resolve('ok');
const dies = () => Promise.reject(new Refused(503));
const badInput = () => Promise.reject(new Refused(400));

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function failTimes(run: (fn: () => Promise<string>) => Promise<string>, n: number, fn = dies): Promise<void> {
  for (let i = 0; i < n; i++) await expect(run(fn)).rejects.toBeInstanceOf(Refused);
}

describe('createCircuitBreaker', () => {
  const breakers: Array<{ shutdown(): void }> = [];
  const make = (settings: Partial<CircuitBreakerSettings> = FAST, registry = new Registry()) => {
    const b = createCircuitBreaker({ name: 'llm', registry, isFailure, settings, label: 'the LLM provider' });
    breakers.push(b);
    return b;
  };
  afterEach(() => {
    for (const b of breakers.splice(0)) b.shutdown();
  });

  it('stays closed below the volume threshold, however many of those calls failed', async () => {
    const breaker = make();
    await failTimes(breaker.run, 4);
    expect(breaker.state()).toBe('closed');
    await expect(breaker.run(ok)).resolves.toBe('ok');
  });

  it('opens once more than the threshold share failed, then refuses without calling the dependency', async () => {
    const breaker = make();
    await failTimes(breaker.run, 5);
    expect(breaker.state()).toBe('open');
    let called = 0;
    const err = await breaker.run(async () => (called += 1)).catch((e: unknown) => e);
    expect(called).toBe(0);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryAfterS: 1, breaker: 'llm' });
    expect((err as Error).message).toBe('the LLM provider is failing; calls are refused for 1 s (circuit open)');
  });

  it('counts the share over the window: half failed keeps it closed, more than half opens it', async () => {
    const breaker = make();
    for (let i = 0; i < 3; i++) await breaker.run(ok);
    await failTimes(breaker.run, 3);
    expect(breaker.state()).toBe('closed');
    await failTimes(breaker.run, 1);
    expect(breaker.state()).toBe('open');
  });

  it('never counts what isFailure calls the caller\'s mistake, and passes that error on as it was', async () => {
    const breaker = make();
    for (let i = 0; i < 10; i++) await expect(breaker.run(badInput)).rejects.toMatchObject({ status: 400 });
    expect(breaker.state()).toBe('closed');
  });

  it('names the seconds until the probe in Retry-After and the message', async () => {
    const breaker = make({ ...FAST, resetMs: 4000 });
    await failTimes(breaker.run, 5);
    const err = (await breaker.run(ok).catch((e: unknown) => e)) as CircuitOpenError;
    expect(err.retryAfterS).toBe(4);
    expect(err.message).toContain('refused for 4 s');
  });

  it('lets one probe through after the reset time, refuses the others meanwhile, and closes when it succeeds', async () => {
    const breaker = make();
    await failTimes(breaker.run, 5);
    await waitFor(() => (breaker.state() === 'half_open' ? true : undefined));

    let answer!: (v: string) => void;
    let probes = 0;
    const probe = breaker.run(() => {
      probes += 1;
      return new Promise<string>((resolve) => (answer = resolve));
    });
    const meanwhile = await breaker.run(ok).catch((e: unknown) => e);
    expect(meanwhile).toBeInstanceOf(CircuitOpenError);
    expect(meanwhile).toMatchObject({ retryAfterS: 1 });
    expect(probes).toBe(1);
    expect(breaker.state()).toBe('half_open');

    answer('recovered');
    await expect(probe).resolves.toBe('recovered');
    expect(breaker.state()).toBe('closed');
    await expect(breaker.run(ok)).resolves.toBe('ok');
  });

  it('opens again at once when the probe fails', async () => {
    const breaker = make();
    await failTimes(breaker.run, 5);
    await waitFor(() => (breaker.state() === 'half_open' ? true : undefined));
    await failTimes(breaker.run, 1);
    expect(breaker.state()).toBe('open');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('judges a closed circuit by the calls since it closed, not by the refusals and failures before', async () => {
    const breaker = make();
    await failTimes(breaker.run, 5);
    for (let i = 0; i < 20; i++) await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await waitFor(() => (breaker.state() === 'half_open' ? true : undefined));
    await breaker.run(ok);
    expect(breaker.state()).toBe('closed');
    // 5 failures of 5 calls since closing: open again, although the window still spans the
    // 20 refusals (opossum counts them as calls) and the first 5 failures.
    await failTimes(breaker.run, 5);
    expect(breaker.state()).toBe('open');
  });

  it('logs each transition with the breaker name', async () => {
    const logs = captureLogs();
    const breaker = createCircuitBreaker({
      name: 'ai_pipeline',
      registry: new Registry(),
      settings: FAST,
      logger: createLogger({ service: 't', level: 'info', destination: logs.stream }),
    });
    breakers.push(breaker);
    await failTimes(breaker.run, 5);
    await waitFor(() => (breaker.state() === 'half_open' ? true : undefined));
    await breaker.run(ok);
    const lines = logs.lines().map((l) => [l.level, l.breaker, l.msg]);
    expect(lines).toEqual([
      ['warn', 'ai_pipeline', 'circuit opened: calls fail fast until a probe succeeds'],
      ['info', 'ai_pipeline', 'circuit half-open: the next call is a probe'],
      ['info', 'ai_pipeline', 'circuit closed: the probe succeeded'],
    ]);
  });

  it('refuses calls after shutdown, with 503', async () => {
    const breaker = make();
    breaker.shutdown();
    await expect(breaker.run(ok)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'calls to the LLM provider are refused: shutting down' });
  });

  it('checks its settings and its name', () => {
    const registry = new Registry();
    expect(() => createCircuitBreaker({ name: 'llm', registry, settings: { errorThresholdPercent: 100 } })).toThrow(/errorThresholdPercent/);
    expect(() => createCircuitBreaker({ name: 'llm', registry, settings: { volumeThreshold: 0 } })).toThrow(/volumeThreshold/);
    expect(() => createCircuitBreaker({ name: 'llm', registry, settings: { windowMs: 5 } })).toThrow(/windowMs/);
    expect(() => createCircuitBreaker({ name: 'nope' as 'llm', registry })).toThrow(/unknown circuit breaker "nope"/);
  });
});

describe('createCircuitBreakers (one circuit per key)', () => {
  it('keeps one host\'s circuit apart from another\'s, and names the host in the refusal', async () => {
    const breakers = createCircuitBreakers({ name: 'webhook', registry: new Registry(), isFailure, settings: FAST, label: 'the webhook at' });
    try {
      await failTimes((fn) => breakers.run('dead.example', fn), 5);
      expect(breakers.state('dead.example')).toBe('open');
      expect(breakers.state('alive.example')).toBe('closed');
      await expect(breakers.run('alive.example', ok)).resolves.toBe('ok');
      await expect(breakers.run('dead.example', ok)).rejects.toThrow('the webhook at dead.example is failing; calls are refused for 1 s (circuit open)');
      await waitFor(() => (breakers.state('dead.example') === 'half_open' ? true : undefined));
      await breakers.run('dead.example', ok);
      expect(breakers.state('dead.example')).toBe('closed');
    } finally {
      breakers.shutdown();
    }
  });

  it('keeps at most maxKeys circuits, dropping the least recently used', async () => {
    const breakers = createCircuitBreakers({ name: 'smtp', registry: new Registry(), settings: FAST, maxKeys: 2 });
    try {
      await failTimes((fn) => breakers.run('a', fn), 5);
      await breakers.run('b', ok);
      await expect(breakers.run('a', ok)).rejects.toBeInstanceOf(CircuitOpenError); // a is now the most recent
      await breakers.run('c', ok); // drops b
      expect(breakers.state('a')).toBe('open');
      await breakers.run('d', ok); // drops a
      expect(breakers.state('a')).toBe('closed');
      await expect(breakers.run('a', ok)).resolves.toBe('ok');
    } finally {
      breakers.shutdown();
    }
    await expect(breakers.run('a', ok)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('the circuit breaker series', () => {
  it('count circuits per breaker and state and calls per result, on one shared registry, promtool-clean', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'kit-test', version: 'test' });
    const llm = createCircuitBreaker({ name: 'llm', registry, isFailure, settings: FAST });
    const webhook = createCircuitBreakers({ name: 'webhook', registry, isFailure, settings: FAST });
    try {
      const fresh = await registry.metrics();
      for (const state of ['closed', 'open', 'half_open']) {
        expect(sample(fresh, 'circuit_breaker_state', { breaker: 'llm', state })).toBe(state === 'closed' ? 1 : 0);
        expect(sample(fresh, 'circuit_breaker_state', { breaker: 'webhook', state })).toBe(0);
      }
      for (const result of ['success', 'failure', 'rejected']) {
        expect(sample(fresh, 'circuit_breaker_calls_total', { breaker: 'llm', result })).toBe(0);
        expect(sample(fresh, 'circuit_breaker_calls_total', { breaker: 'webhook', result })).toBe(0);
      }

      await llm.run(ok);
      await expect(llm.run(badInput)).rejects.toBeInstanceOf(Refused);
      // 3 failures of 5 calls: open.
      await failTimes(llm.run, 3);
      await expect(llm.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
      await failTimes((fn) => webhook.run('dead.example', fn), 5);
      await webhook.run('a.example', ok);
      await webhook.run('b.example', ok);

      const text = await registry.metrics();
      expect(sample(text, 'circuit_breaker_state', { breaker: 'llm', state: 'open' })).toBe(1);
      expect(sample(text, 'circuit_breaker_state', { breaker: 'llm', state: 'closed' })).toBe(0);
      expect(sample(text, 'circuit_breaker_state', { breaker: 'webhook', state: 'open' })).toBe(1);
      expect(sample(text, 'circuit_breaker_state', { breaker: 'webhook', state: 'closed' })).toBe(2);
      expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'llm', result: 'success' })).toBe(2);
      expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'llm', result: 'failure' })).toBe(3);
      expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'llm', result: 'rejected' })).toBe(1);
      expect(sample(text, 'circuit_breaker_calls_total', { breaker: 'webhook', result: 'failure' })).toBe(5);
      // Keys are never labels.
      expect(text).not.toContain('example');
      await expect(promtoolCheckMetrics(text)).resolves.toBe('');

      await waitFor(() => (llm.state() === 'half_open' ? true : undefined));
      expect(sample(await registry.metrics(), 'circuit_breaker_state', { breaker: 'llm', state: 'half_open' })).toBe(1);
    } finally {
      llm.shutdown();
      webhook.shutdown();
    }
    // A breaker shut down is no longer counted.
    expect(await registry.metrics()).not.toMatch(/^circuit_breaker_state\{/m);
  });
});

describe('circuitBreakerEnv', () => {
  const schema = z.object(circuitBreakerEnv);

  it('defaults to the settings of DEFAULT_CIRCUIT_BREAKER_SETTINGS', () => {
    expect(circuitBreakerSettings(loadConfig(schema, {}))).toEqual(DEFAULT_CIRCUIT_BREAKER_SETTINGS);
  });

  it('reads each variable', () => {
    const config = loadConfig(schema, {
      CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT: '25',
      CIRCUIT_BREAKER_VOLUME_THRESHOLD: '20',
      CIRCUIT_BREAKER_WINDOW_MS: '30000',
      CIRCUIT_BREAKER_RESET_MS: '5000',
    });
    expect(circuitBreakerSettings(config)).toEqual({ errorThresholdPercent: 25, volumeThreshold: 20, windowMs: 30_000, resetMs: 5000 });
  });

  it.each([
    ['CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT', '100', 'expected a percentage from 1 to 99'],
    ['CIRCUIT_BREAKER_ERROR_THRESHOLD_PERCENT', 'half', 'expected a percentage from 1 to 99'],
    ['CIRCUIT_BREAKER_VOLUME_THRESHOLD', '0', 'expected a positive integer'],
    ['CIRCUIT_BREAKER_WINDOW_MS', '50', 'expected a whole number of ms, at least 100'],
    ['CIRCUIT_BREAKER_RESET_MS', '-1', 'expected a positive integer'],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => loadConfig(schema, { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { [name]: value })).toThrow(`${name}: ${message} (got "${value}")`);
  });
});
