/**
 * The store's transition suite (test/support/cases) run unchanged against a real 3-node Redis
 * Cluster: a script whose declared keys spanned two slots fails here with CROSSSLOT, and one
 * that builds a key served by another node than its declared keys fails with "non local key"
 * (Redis 7.0 lets a built key of another slot on the same node pass; see cluster.test.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as cases from '../support/cases';
import { describeStore } from '../support/store-harness';
import { startRedisCluster, type RedisClusterHandle } from '../../src/testing';

let cluster: RedisClusterHandle | undefined;

// Runs before describeStore's own beforeAll (outer hooks first) and after its afterAll, which
// deletes the suite's keys and closes the client.
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(() => cluster?.stop());

describe('the cluster suite', () => {
  it('includes every case file of test/support/cases (x-cases.ts exports xCases)', () => {
    const files = readdirSync(join(__dirname, '..', 'support', 'cases')).filter((f) => f.endsWith('-cases.ts'));
    const exported = cases as unknown as Record<string, unknown>;
    for (const file of files) {
      const name = file.replace(/-cases\.ts$/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()) + 'Cases';
      expect({ file, inAllStoreCases: cases.ALL_STORE_CASES.includes(exported[name] as never) }).toEqual({ file, inAllStoreCases: true });
    }
    expect(cases.ALL_STORE_CASES).toHaveLength(files.length);
  });
});

describeStore(
  'job store on a 3-node Redis Cluster',
  () => {
    if (!cluster) throw new Error('the Redis Cluster did not start');
    return cluster.client();
  },
  cases.ALL_STORE_CASES,
);
