import { migrate } from '../../src/migrate';
import type { TestDatabase } from '../../src/testing';

export * from '../../src/testing';

/** A fresh, migrated database for the enclosing describe: made before its tests, dropped after. */
export function useMigratedDatabase(fresh: () => Promise<TestDatabase>): () => TestDatabase {
  let t: TestDatabase | undefined;
  beforeAll(async () => {
    t = await fresh();
    await migrate(t.db);
  });
  afterAll(() => t?.drop());
  return () => t as TestDatabase;
}
