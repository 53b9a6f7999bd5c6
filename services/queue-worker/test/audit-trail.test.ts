/**
 * openAuditTrail, what main() opens when DATABASE_URL is set: migrations at start, rows
 * flushed before the pool closes, and a database outage that never stops a job.
 */
import { Registry } from 'prom-client';
import { openDatabase } from '@opsconductor/db';
import type { Job } from '@opsconductor/jobs';
import { waitFor } from '@opsconductor/mesh';
import { POSTGRES_ADMIN_URL, freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import { openAuditTrail } from '../src/audit-trail';
import type { AuditTrail } from '../src/audit-trail';
import { auditRows, silent, waitForAuditRows } from './audit-support';
import { createWorld, waitForStatus } from './harness';

async function admin(sql: string): Promise<void> {
  const db = await openDatabase({ url: POSTGRES_ADMIN_URL, maxConnections: 1 });
  try {
    await db.query(sql);
  } finally {
    await db.close();
  }
}

async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Number(metric?.values[0]?.value ?? 0);
}

let pg: TestDatabase;
let world: Awaited<ReturnType<typeof createWorld>>;
let trail: AuditTrail | undefined;

beforeEach(async () => {
  // Not migrated: the trail must do it.
  pg = await freshPostgres();
  world = await createWorld();
});

afterEach(async () => {
  await world?.close();
  await trail?.close();
  trail = undefined;
  await pg?.drop();
});

it('migrates the database at start and writes the buffered rows before it closes the pool', async () => {
  const registry = new Registry();
  // Rows wait in the buffer (no timed flush within the test): only close() can write them.
  trail = await openAuditTrail({ url: pg.url as string, registry, logger: silent, writer: { flushMs: 600_000 } });
  const { rows: applied } = await pg.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  expect(applied.map((r) => r.name)).toContain('0002_action_audit.sql');

  await world.startWorker({ auditWriter: trail.writer });
  const { job } = await world.store.enqueue({ workspace_id: 'ws-trail', actor_id: 'alice', action: 'echo', params: { input: 'ping' } });
  await waitForStatus(world.store, job, 'completed');
  const { writer } = trail;
  // The completed row follows the store's answer; the test may see the status first.
  await waitFor('both rows buffered', async () => writer.pending === 2, { timeoutMs: 5000 });
  expect(await auditRows(pg.db, job.job_id)).toEqual([]);

  await trail.close();
  trail = undefined;
  expect((await auditRows(pg.db, job.job_id)).map((r) => r.event)).toEqual(['started', 'completed']);
  expect(await metricValue(registry, 'audit_rows_written_total')).toBe(2);
});

it('keeps running jobs while the database refuses connections, and writes their rows once it is back', async () => {
  const name = new URL(pg.url as string).pathname.slice(1);
  await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
  const registry = new Registry();
  let jobs: Job[];
  try {
    trail = await openAuditTrail({
      url: pg.url as string,
      registry,
      logger: silent,
      migrateWaitMs: 100,
      migrateRetryMs: 50,
      writer: { flushMs: 5, retryMs: 20 },
    });
    const app = await world.startWorker({ auditWriter: trail.writer });
    jobs = await Promise.all(
      ['one', 'two'].map((input) => world.store.enqueue({ workspace_id: 'ws-trail', actor_id: 'alice', action: 'echo', params: { input } }).then((r) => r.job)),
    );
    const done = await Promise.all(jobs.map((job) => waitForStatus(world.store, job, 'completed')));
    expect(done.map((j) => j.result)).toEqual(['one', 'two']);
    // Readiness does not depend on the audit database.
    expect((await app.http.inject({ method: 'GET', url: '/ready' })).json()).toMatchObject({ ready: true });
    const { writer } = trail;
    await waitFor('every row buffered, none written', async () => writer.pending === 4 && (await metricValue(registry, 'audit_write_failures_total')) >= 1, { timeoutMs: 5000 });
    expect(await metricValue(registry, 'audit_rows_written_total')).toBe(0);
  } finally {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  }
  // The migrations are retried in the background, then the rows written, each once.
  await trail.migrated;
  for (const job of jobs) {
    const rows = await waitForAuditRows(pg.db, job.job_id, 2);
    expect(rows.map((r) => r.event)).toEqual(['started', 'completed']);
  }
  expect(await metricValue(registry, 'audit_rows_written_total')).toBe(4);
});
