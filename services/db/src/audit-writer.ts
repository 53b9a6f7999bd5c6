/**
 * Writes audit rows without slowing the request path: `record()` only appends to a buffer;
 * batches go to PostgreSQL in the background. When the database is down, rows stay in the
 * buffer and the batch is retried with backoff, so an outage neither fails a request nor
 * loses a row, until the buffer is full: then the oldest rows are dropped, counted and
 * logged, because an unbounded buffer would take the process down instead.
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '@opsconductor/kit';
import type { Queryable } from './database';

export const AUDIT_EVENTS = ['executed', 'submitted', 'started', 'completed', 'failed', 'cancelled', 'dead', 'erased'] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditRow {
  at: Date;
  workspace_id: string;
  actor_id: string;
  action: string;
  event: AuditEvent;
  outcome: 'success' | 'error';
  job_id?: string | null;
  trace_id?: string | null;
  duration_ms?: number | null;
  error_code?: string | null;
  /** From auditParams(): never the raw params. */
  params_hash?: string | null;
  params_prefix?: string | null;
}

export interface AuditMetrics {
  written: Counter;
  dropped: Counter;
  failures: Counter;
  buffered: Gauge;
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  return {
    written: new Counter({ name: 'audit_rows_written_total', help: 'Audit rows stored in PostgreSQL', registers: [registry] }),
    dropped: new Counter({ name: 'audit_rows_dropped_total', help: 'Audit rows dropped because the buffer was full (the database was down too long)', registers: [registry] }),
    failures: new Counter({ name: 'audit_write_failures_total', help: 'Audit batches that failed and will be retried', registers: [registry] }),
    buffered: new Gauge({ name: 'audit_buffer_rows', help: 'Audit rows waiting to be written', registers: [registry] }),
  };
}

export interface AuditWriterOptions {
  db: Queryable;
  metrics: AuditMetrics;
  logger: Logger;
  /** Rows per INSERT (default 200). */
  batchSize?: number;
  /** Longest a row waits before its batch is sent (default 250 ms). */
  flushMs?: number;
  /** Rows kept while the database is down (default 50,000). */
  maxBuffered?: number;
  /** First retry delay after a failure, doubled up to 30 s (default 500 ms). */
  retryMs?: number;
}

const COLUMNS = ['id', 'at', 'workspace_id', 'actor_id', 'action', 'event', 'outcome', 'job_id', 'trace_id', 'duration_ms', 'error_code', 'params_hash', 'params_prefix'] as const;
const MAX_RETRY_MS = 30_000;

interface Pending extends AuditRow {
  id: string;
}

export class AuditWriter {
  private readonly buffer: Pending[] = [];
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private droppedSinceLog = 0;
  private closed = false;

  constructor(private readonly opts: AuditWriterOptions) {
    this.batchSize = opts.batchSize ?? 200;
    this.flushMs = opts.flushMs ?? 250;
    this.maxBuffered = opts.maxBuffered ?? 50_000;
    this.retryMs = opts.retryMs ?? 500;
  }

  /** Queues a row; never throws, never waits. */
  record(row: AuditRow): void {
    this.buffer.push({ ...row, id: randomUUID() });
    if (this.buffer.length > this.maxBuffered) {
      const over = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, over);
      this.opts.metrics.dropped.inc(over);
      if (this.droppedSinceLog === 0) this.opts.logger.error({ max_buffered: this.maxBuffered }, 'audit buffer full: dropping the oldest rows');
      this.droppedSinceLog += over;
    }
    this.opts.metrics.buffered.set(this.buffer.length);
    if (this.closed) return;
    if (this.buffer.length >= this.batchSize && this.failures === 0) this.kick(0);
    else this.kick(this.flushMs);
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Writes everything buffered now (retrying failed batches once each); resolves when done or failed. */
  async flush(): Promise<void> {
    if (this.writing) await this.writing;
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Stops the timers and makes a last attempt to write what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private kick(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.batchSize);
      try {
        await this.insert(batch);
      } catch (err) {
        this.failures += 1;
        this.opts.metrics.failures.inc();
        const delay = Math.min(MAX_RETRY_MS, this.retryMs * 2 ** (this.failures - 1));
        if (this.failures === 1) this.opts.logger.warn({ err, buffered: this.buffer.length }, 'audit write failed; rows kept and retried');
        this.kick(delay);
        return;
      }
      // New rows went to the end; a full buffer may have dropped some of the batch from the
      // front meanwhile. What is left of the batch is still at the front.
      const sent = new Set(batch.map((row) => row.id));
      let done = 0;
      while (done < this.buffer.length && sent.has((this.buffer[done] as Pending).id)) done += 1;
      this.buffer.splice(0, done);
      this.opts.metrics.written.inc(batch.length);
      this.opts.metrics.buffered.set(this.buffer.length);
      if (this.failures > 0) this.opts.logger.info({ dropped: this.droppedSinceLog }, 'audit writes resumed');
      this.failures = 0;
      this.droppedSinceLog = 0;
    }
  }

  /**
   * One statement and one parameter whatever the batch size: the rows as a JSON array, turned
   * back into rows by the server. A VALUES list binds 13 parameters per row (2,600 for a full
   * batch) in a text that changes with the batch size, and array parameters are escaped element
   * by element in JavaScript; both cost the request path's process far more than one
   * JSON.stringify (measured: docs/decisions/guardrails.md).
   */
  private async insert(batch: Pending[]): Promise<void> {
    await this.opts.db.query(INSERT_FROM_JSON, [JSON.stringify(batch.map(toColumns))]);
  }
}

/** A row as the JSON the INSERT reads: every column present, absent ones null. */
function toColumns(row: Pending): Record<(typeof COLUMNS)[number], unknown> {
  return {
    id: row.id,
    at: row.at.toISOString(),
    workspace_id: row.workspace_id,
    actor_id: row.actor_id,
    action: row.action,
    event: row.event,
    outcome: row.outcome,
    job_id: row.job_id ?? null,
    trace_id: row.trace_id ?? null,
    duration_ms: row.duration_ms ?? null,
    error_code: row.error_code ?? null,
    params_hash: row.params_hash ?? null,
    params_prefix: row.params_prefix ?? null,
  };
}

const INSERT_FROM_JSON = `INSERT INTO action_audit (${COLUMNS.join(', ')})
  SELECT ${COLUMNS.join(', ')} FROM json_populate_recordset(NULL::action_audit, $1::json)
  ON CONFLICT (id) DO NOTHING`;
