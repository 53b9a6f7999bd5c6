import { Cluster } from 'ioredis';
import { createJobStore, type JobStore, type JobStoreOptions, type RedisClient } from '../../src/index';
import { createTestClock, type TestClock } from './clock';
import { deleteKeysWithPrefix, randomPrefix } from './redis';

/** What a store test case gets: a fresh prefix, clock and store per test, on the suite's client. */
export interface StoreHarness {
  redis: RedisClient;
  /** This test's key prefix (fresh per test, so counts and queues start empty). */
  prefix: string;
  clock: TestClock;
  /** The jitter source of the stores made here returns `random.value`. Default 0.5. */
  random: { value: number };
  /** A store with default options, this test's prefix, clock and random. */
  store: JobStore;
  /** Another store on the same prefix, clock and client, with options overridden. */
  makeStore(overrides?: Partial<JobStoreOptions>): JobStore;
  /** An extra connection (pub/sub, blocking reads), closed after the test. */
  duplicate(): RedisClient;
}

export type RedisFactory = () => RedisClient | Promise<RedisClient>;
/** A group of `it` cases; read the harness inside each case (it changes per test). */
export type StoreCases = (h: () => StoreHarness) => void;

/**
 * Runs store cases against a client made by `makeRedis` — the local Redis in test/*.test.ts,
 * or a Redis Cluster client: `describeStore('on cluster', () => cluster.client(), ALL_STORE_CASES)`.
 * The client is closed and every key of the suite deleted after the suite.
 */
export function describeStore(title: string, makeRedis: RedisFactory, cases: StoreCases | StoreCases[]): void {
  describe(title, () => {
    const suitePrefix = randomPrefix('s').slice(0, 20);
    let redis: RedisClient | undefined;
    let current: StoreHarness | undefined;
    let extra: RedisClient[] = [];
    let n = 0;

    beforeAll(async () => {
      redis = await makeRedis();
    });

    beforeEach(() => {
      const client = redis as RedisClient;
      const prefix = `${suitePrefix}-${++n}`;
      const clock = createTestClock();
      const random = { value: 0.5 };
      const makeStore = (overrides: Partial<JobStoreOptions> = {}): JobStore =>
        createJobStore({ redis: client, prefix, now: clock.now, random: () => random.value, ...overrides });
      current = {
        redis: client,
        prefix,
        clock,
        random,
        store: makeStore(),
        makeStore,
        duplicate() {
          const conn: RedisClient = client instanceof Cluster ? client.duplicate() : client.duplicate();
          extra.push(conn);
          return conn;
        },
      };
    });

    afterEach(async () => {
      await Promise.all(extra.map((conn) => conn.quit().catch(() => conn.disconnect())));
      extra = [];
    });

    afterAll(async () => {
      if (!redis) return;
      await deleteKeysWithPrefix(redis, suitePrefix);
      await redis.quit();
    });

    const harness = (): StoreHarness => {
      if (!current) throw new Error('the store harness is only available inside a test');
      return current;
    };
    for (const group of Array.isArray(cases) ? cases : [cases]) group(harness);
  });
}
