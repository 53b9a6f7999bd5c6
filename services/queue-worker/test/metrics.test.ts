import { promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { waitFor } from '@opsconductor/mesh';
import type { WorkerApp } from '../src/app';
import { createWorld, waitForStatus } from './harness';

/** The value of the one sample `series` (name and labels exactly as exposed). */
async function sampleOf(app: WorkerApp, series: string): Promise<number> {
  const res = await app.http.inject({ method: 'GET', url: '/metrics' });
  const line = res.body.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series} in:\n${res.body}`);
  return Number(line.slice(series.length + 1));
}

const AGE = 'ai_queue_oldest_pending_age_seconds{service="queue-worker",version="dev"}';
const SLOTS = 'ai_queue_worker_slots{service="queue-worker",version="dev"}';

describe('queue-worker metrics', () => {
  it('counts runs by outcome, shows queue depth by status, and passes promtool', async () => {
    const world = await createWorld();
    try {
      const app = await world.startWorker();
      const { job: ok } = await world.store.enqueue({ workspace_id: 'ws-m', actor_id: 'u', action: 'echo', params: { input: 'ping' } });
      const { job: bad } = await world.store.enqueue({ workspace_id: 'ws-m', actor_id: 'u', action: 'no.such.tool' });
      await waitForStatus(world.store, ok, 'completed');
      await waitForStatus(world.store, bad, 'dead');
      const res = await app.http.inject({ method: 'GET', url: '/metrics' });
      expect(res.body).toContain('worker_jobs_total{status="completed",service="queue-worker",version="dev"} 1');
      expect(res.body).toContain('worker_jobs_total{status="dead",service="queue-worker",version="dev"} 1');
      expect(res.body).toContain('ai_queue_dequeue_total{service="queue-worker",version="dev"} 2');
      expect(res.body).toContain('ai_queue_depth{status="completed",service="queue-worker",version="dev"} 1');
      expect(res.body).toContain('ai_queue_depth{status="dead",service="queue-worker",version="dev"} 1');
      expect(res.body).toContain('ai_queue_workers{service="queue-worker",version="dev"} 0');
      expect(res.body).toContain(`${SLOTS} 2\n`);
      expect(res.body).toContain(`${AGE} 0\n`);
      expect(res.body).toContain('ai_job_duration_seconds_count{service="queue-worker",version="dev",status="completed"} 1');
      await expect(promtoolCheckMetrics(res.body)).resolves.toBe('');

      const ready = await app.http.inject({ method: 'GET', url: '/ready' });
      expect(ready.json()).toMatchObject({ ready: true, checks: { redis: { ok: true }, ai_pipeline: { ok: true } } });
    } finally {
      await world.close();
    }
  });

  it('shows how long the oldest ready job has waited, and each process its slots (none with actions disabled)', async () => {
    const world = await createWorld();
    try {
      const disabled = await world.startWorker({ actionsEnabled: false, concurrency: 3 });
      expect(await sampleOf(disabled, SLOTS)).toBe(0);
      expect(await sampleOf(disabled, AGE)).toBe(0);

      const before = Date.now();
      const { job } = await world.store.enqueue({ workspace_id: 'ws-age', actor_id: 'u', action: 'echo', params: { input: 'ping' } });
      // Nothing claims it: its wait grows with the clock, and never past the time since enqueue.
      await waitFor('the wait to pass 50 ms', async () => (await sampleOf(disabled, AGE)) >= 0.05, { timeoutMs: 5000 });
      const age = await sampleOf(disabled, AGE);
      expect(age).toBeLessThanOrEqual((Date.now() - before) / 1000);

      const enabled = await world.startWorker({ concurrency: 3 });
      expect(await sampleOf(enabled, SLOTS)).toBe(3);
      await waitForStatus(world.store, job, 'completed');
      expect(await sampleOf(disabled, AGE)).toBe(0);
    } finally {
      await world.close();
    }
  });
});
