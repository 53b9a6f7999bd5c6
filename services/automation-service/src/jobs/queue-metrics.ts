import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/** Why a job entered the queue: a new submission, a retry by its owner, or an operator's DLQ replay. */
export type EnqueueSource = 'submit' | 'retry' | 'replay';

export interface QueueMetrics {
  recordEnqueue(source: EnqueueSource): void;
}

/**
 * `ai_queue_enqueue_total{source}`: jobs this API put into the queue. Idempotent replays of a
 * submission add nothing (no new job); `sum()` over `source` is the seed's submission rate
 * plus manual re-queues, comparable with the worker's `ai_queue_dequeue_total`.
 */
export function createQueueMetrics(registry: Registry): QueueMetrics {
  const enqueueTotal = new Counter({
    name: 'ai_queue_enqueue_total',
    help: 'Jobs put into the queue by the API, by source (submit|retry|replay)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  // Every series exists from the start, so rate() has a zero to compare with.
  for (const source of ['submit', 'retry', 'replay'] as const) enqueueTotal.inc({ source }, 0);
  return {
    recordEnqueue(source) {
      enqueueTotal.inc({ source });
    },
  };
}
