import { Registry } from 'prom-client';
import { createLogger } from '@opsconductor/kit';
import { auditParams } from '../src/audit-params';
import { AuditWriter, createAuditMetrics } from '../src/audit-writer';
import type { AuditRow } from '../src/audit-writer';
import { migrate } from '../src/migrate';
import { DATABASE_KINDS, freshPostgres, POSTGRES_ADMIN_URL, useMigratedDatabase } from './support/databases';
import type { TestDatabase } from './support/databases';
import { Client } from 'pg';

const row = (n: number, extra: Partial<AuditRow> = {}): AuditRow => ({
  at: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, n)),
  workspace_id: 'ws-a',
  actor_id: 'alice',
  action: 'echo',
  event: 'submitted',
  outcome: 'success',
  job_id: `job-${n}`,
  ...extra,
});

async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Number(metric?.values[0]?.value ?? 0);
}

function newWriter(db: TestDatabase['db'], opts: Partial<ConstructorParameters<typeof AuditWriter>[0]> = {}) {
  const registry = new Registry();
  const writer = new AuditWriter({ db, metrics: createAuditMetrics(registry), logger: createLogger({ service: 'audit-test', level: 'silent' }), flushMs: 10, retryMs: 20, ...opts });
  return { writer, registry };
}

describe('auditParams', () => {
  it('hashes the canonical params (key order does not matter) and keeps 64 scrubbed characters', () => {
    const a = auditParams({ to: 'jane@example.com', body: 'x'.repeat(100), n: 1 });
    const b = auditParams({ n: 1, body: 'x'.repeat(100), to: 'jane@example.com' });
    expect(a.params_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.params_hash).toBe(b.params_hash);
    expect(a.params_prefix).toHaveLength(64);
    expect(auditParams({ to: 'jane@example.com' }).params_prefix).toBe('{"to":"[redacted:email]"}');
    expect(auditParams({ n: 2 }).params_hash).not.toBe(auditParams({ n: 1 }).params_hash);
  });
});

describe.each(DATABASE_KINDS)('the audit writer on %s', (_kind, fresh) => {
  const t = useMigratedDatabase(fresh);

  it('stores recorded rows in the background, in batches, each once', async () => {
    const { writer, registry } = newWriter(t().db, { batchSize: 3 });
    const params = auditParams({ input: 'ping', card: '4111 1111 1111 1111' });
    for (let i = 0; i < 7; i++) writer.record(row(i, { trace_id: 'tr-1', ...params }));
    expect(writer.pending).toBe(7);
    await writer.close();
    const { rows } = await t().db.query<{ job_id: string; params_prefix: string; params_hash: string }>("SELECT job_id, params_prefix, params_hash FROM action_audit WHERE trace_id = 'tr-1' ORDER BY at");
    expect(rows.map((r) => r.job_id)).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4', 'job-5', 'job-6']);
    expect(rows[0]?.params_prefix).toBe('{"card":"[redacted:card]","input":"ping"}');
    expect(JSON.stringify(rows)).not.toContain('4111');
    expect(await metricValue(registry, 'audit_rows_written_total')).toBe(7);
    expect(await metricValue(registry, 'audit_buffer_rows')).toBe(0);
  });

  it('refuses a row the table does not allow only by keeping it and counting the failure', async () => {
    const { writer, registry } = newWriter(t().db);
    writer.record(row(1, { event: 'exploded' as AuditRow['event'], trace_id: 'tr-bad' }));
    await writer.flush();
    expect(writer.pending).toBe(1);
    expect(await metricValue(registry, 'audit_write_failures_total')).toBe(1);
  });
});

describe('the audit writer through a PostgreSQL outage', () => {
  let t: TestDatabase;
  let name: string;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    t = await freshPostgres();
    await migrate(t.db);
    name = new URL(t.url as string).pathname.slice(1);
  });
  afterAll(() => t.drop());

  it('keeps rows while the database refuses connections and writes them, once, when it is back', async () => {
    const { writer, registry } = newWriter(t.db, { maxBuffered: 5 });
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    try {
      for (let i = 0; i < 8; i++) writer.record(row(i, { trace_id: 'tr-outage' }));
      await writer.flush();
      // Nothing failed for the caller; the 5 newest rows wait, the 3 oldest were dropped and counted.
      expect(writer.pending).toBe(5);
      expect(await metricValue(registry, 'audit_write_failures_total')).toBeGreaterThanOrEqual(1);
      expect(await metricValue(registry, 'audit_rows_dropped_total')).toBe(3);
    } finally {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    }
    await writer.close();
    const { rows } = await t.db.query<{ job_id: string }>("SELECT job_id FROM action_audit WHERE trace_id = 'tr-outage' ORDER BY at");
    expect(rows.map((r) => r.job_id)).toEqual(['job-3', 'job-4', 'job-5', 'job-6', 'job-7']);
  });
});
