import { Registry } from 'prom-client';
import { AuditWriter, createAuditMetrics, migrate } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import type { TestDatabase } from '@opsconductor/db/testing';
import type { Database } from '@opsconductor/db';
import { createLogger } from '@opsconductor/kit';
import type { Logger } from '@opsconductor/kit';
import { waitFor } from '@opsconductor/mesh';

export const silent: Logger = createLogger({ service: 'test', level: 'silent' });

/** A row of action_audit as the tests read it back. */
export interface StoredRow {
  at: Date;
  workspace_id: string;
  actor_id: string;
  action: string;
  event: string;
  outcome: string;
  job_id: string;
  trace_id: string | null;
  duration_ms: number | null;
  error_code: string | null;
  params_hash: string | null;
  params_prefix: string | null;
}

/** A writer that sends its rows at once, so the tests do not wait for the default 250 ms. */
export function quickWriter(db: Database): AuditWriter {
  return new AuditWriter({ db, metrics: createAuditMetrics(new Registry()), logger: silent, flushMs: 5, retryMs: 20 });
}

export async function auditRows(db: Database, jobId: string): Promise<StoredRow[]> {
  const { rows } = await db.query<StoredRow>('SELECT * FROM action_audit WHERE job_id = $1 ORDER BY at', [jobId]);
  return rows;
}

/** Waits until the job has `count` audit rows, and returns them (oldest first). */
export async function waitForAuditRows(db: Database, jobId: string, count: number, timeoutMs = 10_000): Promise<StoredRow[]> {
  let rows: StoredRow[] = [];
  await waitFor(
    `${count} audit rows of job ${jobId}`,
    async () => {
      rows = await auditRows(db, jobId);
      return rows.length >= count;
    },
    { timeoutMs },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; found ${rows.map((r) => r.event).join(', ') || 'none'}`);
  });
  return rows;
}

/** Events of the rows, oldest first. */
export const eventsOf = (rows: StoredRow[]): string[] => rows.map((r) => r.event);

/**
 * A fresh, migrated PostgreSQL database and a quick AuditWriter on it for the enclosing
 * describe (or file): made before its tests, closed and dropped after.
 */
export function useAuditDatabase(): { db: () => Database; writer: () => AuditWriter } {
  let pg: TestDatabase | undefined;
  let writer: AuditWriter | undefined;
  beforeAll(async () => {
    pg = await freshPostgres();
    await migrate(pg.db);
    writer = quickWriter(pg.db);
  });
  afterAll(async () => {
    await writer?.close();
    await pg?.drop();
  });
  return { db: () => (pg as TestDatabase).db, writer: () => writer as AuditWriter };
}
