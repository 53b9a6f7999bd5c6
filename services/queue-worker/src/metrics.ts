import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '@opsconductor/kit';

/** How a job run ended, as worker_jobs_total{status} counts it. */
export type RunOutcome = 'completed' | 'retry' | 'dead' | 'cancelled' | 'lease_lost' | 'released';

export const RUN_OUTCOMES: readonly RunOutcome[] = ['completed', 'retry', 'dead', 'cancelled', 'lease_lost', 'released'];

export interface WorkerMetrics {
  dequeued: Counter;
  jobs: Counter<'status'>;
  duration: Histogram<'status'>;
  workers: Gauge;
}

/** The queue-worker's series (DESIGN.md "Metric names"); ai_queue_depth is registered by the caller from the store. */
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
    duration: new Histogram({
      name: 'ai_job_duration_seconds',
      help: 'Time from claim to the end of a job run, by outcome',
      labelNames: ['status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    workers: new Gauge({ name: 'ai_queue_workers', help: 'Worker slots of this process currently running a job', registers: [registry] }),
  };
}
