/**
 * The audit rows of the job transitions the worker makes, written to a real PostgreSQL
 * database by the AuditWriter, for jobs run by the real worker on the real Redis store.
 */
import { createHash } from 'node:crypto';
import { createWorld, waitForStatus } from './harness';
import { auditRows, eventsOf, useAuditDatabase, waitForAuditRows } from './audit-support';
import type { StoredRow } from './audit-support';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

const audit = useAuditDatabase();

describe('audit rows of the queue-worker', () => {
  let world: Awaited<ReturnType<typeof createWorld>>;
  beforeAll(async () => {
    world = await createWorld();
    await world.startWorker({ auditWriter: audit.writer() });
  });
  afterAll(() => world?.close());

  it('records started and completed for a job, in its trace, with the run time, hashed and scrubbed params', async () => {
    const params = { input: 'mail jane.doe@example.com', delay_ms: 40 };
    const { job } = await world.store.enqueue({ workspace_id: 'ws-audit', actor_id: 'alice', action: 'echo', params, trace: { trace_id: TRACE_ID, traceparent: TRACEPARENT } });
    await waitForStatus(world.store, job, 'completed');
    const rows = await waitForAuditRows(audit.db(), job.job_id, 2);
    expect(eventsOf(rows)).toEqual(['started', 'completed']);

    const canonical = '{"delay_ms":40,"input":"mail jane.doe@example.com"}';
    const common = { workspace_id: 'ws-audit', actor_id: 'alice', action: 'echo', job_id: job.job_id, trace_id: TRACE_ID, outcome: 'success', error_code: null, params_hash: sha256(canonical) };
    expect(rows[0]).toMatchObject({ ...common, duration_ms: null });
    expect(rows[1]).toMatchObject(common);
    expect(rows[1]?.duration_ms).toBeGreaterThanOrEqual(40);
    expect(rows[1]?.duration_ms).toBeLessThan(5000);
    for (const row of rows) expect(row.params_prefix).toBe('{"delay_ms":40,"input":"mail [redacted:email]"}');
    expect(JSON.stringify(rows)).not.toContain('jane.doe');
  });

  it('records dead with the error code at once for a failure the pipeline calls permanent', async () => {
    const { job } = await world.store.enqueue({ workspace_id: 'ws-audit', actor_id: 'bob', action: 'no.such.tool', params: [1, 2] });
    await waitForStatus(world.store, job, 'dead');
    const rows = await waitForAuditRows(audit.db(), job.job_id, 2);
    expect(eventsOf(rows)).toEqual(['started', 'dead']);
    expect(rows[1]).toMatchObject({ outcome: 'error', error_code: 'VALIDATION_ERROR', actor_id: 'bob', action: 'no.such.tool' });
    expect(rows[1]?.duration_ms).toEqual(expect.any(Number));
    // No trace context given: the job id is the trace id the pipeline ran it under.
    expect(rows[1]?.trace_id).toBe(job.job_id);
    // Params of any JSON type are hashed as submitted.
    expect(rows[1]).toMatchObject({ params_hash: sha256('[1,2]'), params_prefix: '[1,2]' });
  });

  it('records cancelled when it stops a running job whose cancel was requested', async () => {
    const { job } = await world.store.enqueue({ workspace_id: 'ws-audit', actor_id: 'alice', action: 'echo', params: { delay_ms: 20_000 } });
    await waitForStatus(world.store, job, 'running');
    await world.store.cancel('ws-audit', job.job_id);
    await waitForStatus(world.store, job, 'cancelled');
    const rows = await waitForAuditRows(audit.db(), job.job_id, 2);
    expect(eventsOf(rows)).toEqual(['started', 'cancelled']);
    expect(rows[1]).toMatchObject({ outcome: 'success', error_code: null });
    expect(rows[1]?.duration_ms).toEqual(expect.any(Number));
  });
});

describe('audit rows of a job that fails until it is dead', () => {
  it('records failed with the error code for each retried attempt, then dead', async () => {
    const world = await createWorld({ pipelineUrl: 'http://127.0.0.1:9' });
    try {
      await world.startWorker({ auditWriter: audit.writer() });
      const { job } = await world.store.enqueue({ workspace_id: 'ws-audit', actor_id: 'carol', action: 'echo', params: { input: 'ping' }, max_attempts: 3 });
      await waitForStatus(world.store, job, 'dead');
      const rows = await waitForAuditRows(audit.db(), job.job_id, 6);
      const count = (event: string) => rows.filter((r) => r.event === event).length;
      expect([count('started'), count('failed'), count('dead')]).toEqual([3, 2, 1]);
      for (const row of rows.filter((r) => r.event !== 'started')) expect(row).toMatchObject({ outcome: 'error', error_code: 'BAD_GATEWAY' });
      // The dead row ends the story (rows of one millisecond may tie, so only the last is checked).
      const dead = rows.find((r) => r.event === 'dead') as StoredRow;
      for (const row of rows) expect(row.at.getTime()).toBeLessThanOrEqual(dead.at.getTime());
      expect(rows.filter((r) => r.event === 'started').every((r) => r.outcome === 'success' && r.error_code === null)).toBe(true);
    } finally {
      await world.close();
    }
  });
});

describe('audit rows of attempts the reaper ends (their worker died)', () => {
  let world: Awaited<ReturnType<typeof createWorld>>;
  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(() => world?.close());

  it('records failed (and the retry runs), or dead with LEASE_EXPIRED when no attempt is left', async () => {
    const again = (await world.store.enqueue({ workspace_id: 'ws-reaped', actor_id: 'dora', action: 'echo', params: { input: 'x' }, max_attempts: 2 })).job;
    const last = (await world.store.enqueue({ workspace_id: 'ws-reaped', actor_id: 'dora', action: 'echo', params: { input: 'y' }, max_attempts: 1 })).job;
    // A worker that claims both and dies: nothing extends or finishes their 1 ms leases.
    const partition = world.store.partitionOf('ws-reaped');
    expect(await world.store.claim(partition, { workerId: 'ghost', leaseMs: 1 })).not.toBeNull();
    expect(await world.store.claim(partition, { workerId: 'ghost', leaseMs: 1 })).not.toBeNull();
    await world.startWorker({ auditWriter: audit.writer() });

    await waitForStatus(world.store, again, 'completed');
    expect(eventsOf(await waitForAuditRows(audit.db(), again.job_id, 3))).toEqual(['failed', 'started', 'completed']);
    expect((await auditRows(audit.db(), again.job_id))[0]).toMatchObject({ outcome: 'error', error_code: 'LEASE_EXPIRED', actor_id: 'dora' });

    await waitForStatus(world.store, last, 'dead');
    const rows = await waitForAuditRows(audit.db(), last.job_id, 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'dead', outcome: 'error', error_code: 'LEASE_EXPIRED', job_id: last.job_id });
  });
});
