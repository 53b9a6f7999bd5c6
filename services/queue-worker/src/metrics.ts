import { Counter, Gauge } from 'prom-client';
import type { Histogram, Registry } from 'prom-client';
import { JOB_STATUSES } from '@opsconductor/jobs';
import type { JobStore } from '@opsconductor/jobs';
import { LATENCY_BUCKETS, createTracedHistogram } from '@opsconductor/kit';

/** How a job run ended, as worker_jobs_total{status} counts it. */
export type RunOutcome = 'completed' | 'retry' | 'dead' | 'cancelled' | 'lease_lost' | 'released';

export const RUN_OUTCOMES: readonly RunOutcome[] = ['completed', 'retry', 'dead', 'cancelled', 'lease_lost', 'released'];

export interface WorkerMetrics {
  dequeued: Counter;
  jobs: Counter<'status'>;
  duration: Histogram<'status'>;
  workers: Gauge;
}

/** The queue-worker's own series (DESIGN.md "Metric names"); the store's are in registerQueueGauges. */
export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const jobs = new Counter({
    name: 'worker_jobs_total',
    help: 'Job runs finished by this worker, by outcome',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  for (const status of RUN_OUTCOMES) jobs.inc({ status }, 0);
  return {
    dequeued: new Counter({ name: 'ai_queue_dequeue_total', help: 'Jobs claimed from the queue', registers: [registry] }),
    jobs,
    // Observed in the attempt's span: each bucket's exemplar links a job run to its trace.
    duration: createTracedHistogram({
      name: 'ai_job_duration_seconds',
      help: 'Time from claim to the end of a job run, by outcome',
      labelNames: ['status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    workers: new Gauge({ name: 'ai_queue_workers', help: 'Worker slots of this process currently running a job', registers: [registry] }),
  };
}

/**
 * The gauges read from the store at scrape time, whole queue (every workspace, every partition;
 * each replica reports the same values): ai_queue_depth{status} and
 * ai_queue_oldest_pending_age_seconds, the wait of the longest-waiting job ready to run (0 when
 * none), which shows a stalled or starved queue that depth alone does not. And this process's
 * capacity, ai_queue_worker_slots (0 with actions disabled), against which ai_queue_workers
 * (slots busy) reads as utilisation.
 */
export function registerQueueGauges(registry: Registry, opts: { store: Pick<JobStore, 'depth' | 'oldestReadyAgeMs'>; slots: number }): void {
  new Gauge({
    name: 'ai_queue_depth',
    help: 'Jobs in the store by status (all workspaces, all partitions)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const depth = await opts.store.depth();
      for (const status of JOB_STATUSES) this.set({ status }, depth[status]);
    },
  });
  new Gauge({
    name: 'ai_queue_oldest_pending_age_seconds',
    help: 'Seconds the longest-waiting pending job ready to run has been in the queue (all partitions; 0 when none)',
    registers: [registry],
    async collect() {
      this.set(((await opts.store.oldestReadyAgeMs()) ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'ai_queue_worker_slots',
    help: 'Job slots this worker process runs (its concurrency; 0 when ACTIONS_ENABLED=false)',
    registers: [registry],
  }).set(opts.slots);
}
