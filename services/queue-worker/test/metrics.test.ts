import { promtoolCheckMetrics } from '@opsconductor/kit/testing';
import { createWorld, waitForStatus } from './harness';

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
      expect(res.body).toContain('worker_jobs_total{status="completed",service="queue-worker"} 1');
      expect(res.body).toContain('worker_jobs_total{status="dead",service="queue-worker"} 1');
      expect(res.body).toContain('ai_queue_dequeue_total{service="queue-worker"} 2');
      expect(res.body).toContain('ai_queue_depth{status="completed",service="queue-worker"} 1');
      expect(res.body).toContain('ai_queue_depth{status="dead",service="queue-worker"} 1');
      expect(res.body).toContain('ai_queue_workers{service="queue-worker"} 0');
      expect(res.body).toContain('ai_job_duration_seconds_count{service="queue-worker",status="completed"} 1');
      await expect(promtoolCheckMetrics(res.body)).resolves.toBe('');

      const ready = await app.http.inject({ method: 'GET', url: '/ready' });
      expect(ready.json()).toMatchObject({ ready: true, checks: { redis: { ok: true }, ai_pipeline: { ok: true } } });
    } finally {
      await world.close();
    }
  });
});
