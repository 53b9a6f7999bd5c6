import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { AuditWriter, createAuditMetrics, migrate, openDatabase } from '@opsconductor/db';
import type { AuditWriterOptions, Database } from '@opsconductor/db';
import type { Logger } from '@opsconductor/kit';

export interface AuditTrailOptions {
  /** postgres://… (DATABASE_URL). Never logged: it holds a password. */
  url: string;
  /** The worker's registry: the audit_* series join its /metrics. */
  registry: Registry;
  logger: Logger;
  /**
   * How long start waits for the first migration attempt (default 5 s): a refused connection
   * fails at once, but one to a host that does not answer could hang, and jobs must not wait.
   */
  migrateWaitMs?: number;
  /** First pause between migration attempts while they fail, doubled up to 30 s (default 1 s). */
  migrateRetryMs?: number;
  /** Batching and retry of the writer (tests make it quick). */
  writer?: Pick<AuditWriterOptions, 'batchSize' | 'flushMs' | 'maxBuffered' | 'retryMs'>;
}

export interface AuditTrail {
  writer: AuditWriter;
  /** Resolves once the migrations are applied (or close() gave up on them); never rejects. */
  migrated: Promise<void>;
  /** Writes what is buffered, then closes the pool. */
  close(): Promise<void>;
}

/** The worker writes one batch at a time; the second connection is for the migration. */
const MAX_CONNECTIONS = 2;
const MAX_MIGRATE_RETRY_MS = 30_000;

/**
 * The worker's end of the audit trail: a pool to DATABASE_URL, the schema brought up to date,
 * and an AuditWriter. None of it may stop jobs: when the database is unreachable the
 * migrations are retried in the background and the writer keeps rows until they can be
 * written (INSERTs before the table exists fail and are retried the same way).
 */
export async function openAuditTrail(opts: AuditTrailOptions): Promise<AuditTrail> {
  const db: Database = await openDatabase({ url: opts.url, maxConnections: MAX_CONNECTIONS });
  const writer = new AuditWriter({ db, metrics: createAuditMetrics(opts.registry), logger: opts.logger, ...opts.writer });
  const stopping = new AbortController();
  let firstAttemptDone = (): void => undefined;
  const firstAttempt = new Promise<void>((resolve) => (firstAttemptDone = resolve));
  const migrated = migrateUntilDone(db, opts, stopping.signal, () => firstAttemptDone());

  const waited = new AbortController();
  await Promise.race([firstAttempt, sleep(opts.migrateWaitMs ?? 5000, undefined, { signal: waited.signal }).catch(() => undefined)]);
  waited.abort();

  return {
    writer,
    migrated,
    async close() {
      stopping.abort();
      try {
        await writer.close();
        if (writer.pending > 0) opts.logger.error({ rows: writer.pending }, 'audit rows not written at shutdown: the database was unreachable');
      } finally {
        await db.close();
      }
    },
  };
}

async function migrateUntilDone(db: Database, opts: AuditTrailOptions, stopping: AbortSignal, attempted: () => void): Promise<void> {
  const retryMs = opts.migrateRetryMs ?? 1000;
  for (let failures = 0; !stopping.aborted; failures++) {
    const attempt = await migrate(db).then(
      (applied) => ({ applied }),
      (err: unknown) => ({ err }),
    );
    attempted();
    if ('applied' in attempt) {
      opts.logger.info({ applied: attempt.applied }, 'audit database ready');
      return;
    }
    // Once per outage: the writer's own warning and metrics tell how it goes on.
    if (failures === 0) opts.logger.warn({ err: errorMessage(attempt.err) }, 'audit database unreachable: jobs run on, audit rows wait; retrying the migrations');
    await sleep(Math.min(MAX_MIGRATE_RETRY_MS, retryMs * 2 ** failures), undefined, { signal: stopping }).catch(() => undefined);
  }
}

/** The message says what failed (refused, auth, timeout); a stack would repeat on every start. */
function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
