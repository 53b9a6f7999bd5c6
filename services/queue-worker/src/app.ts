import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { redisReadiness } from '@opsconductor/jobs';
import type { JobStore, RedisClient } from '@opsconductor/jobs';
import { createMetricsApp } from '@opsconductor/kit';
import type { HttpMetrics, Logger, ReadinessCheck } from '@opsconductor/kit';
import type { AiPipeline } from '@opsconductor/pipeline-client';
import { pipelineReadiness } from '@opsconductor/pipeline-client';
import { createJobAudit } from './job-audit';
import type { AuditSink } from './job-audit';
import { workerStoreFor } from './job-store-adapter';
import { createWorkerMetrics, registerQueueGauges } from './metrics';
import { startWorker } from './worker';
import { handleStoreMessage } from './store-messages';
import type { Worker } from './worker';

export const SERVICE_NAME = 'queue-worker';

export interface WorkerAppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  store: JobStore;
  /** Commands (readiness PING). */
  redis: RedisClient;
  /** A connection of its own: it only listens for the store's wake and cancel messages. */
  subscriber: RedisClient;
  channels: { wake: string; cancel: string };
  pipeline: AiPipeline;
  partitions: number;
  concurrency: number;
  /** The kill switch: false claims no job (they wait in the queue); maintenance goes on. */
  actionsEnabled?: boolean;
  leaseMs: number;
  maintenanceMs: number;
  /** Where the audit rows of the job transitions go (an AuditWriter); none written when absent. */
  auditWriter?: AuditSink;
}

export interface WorkerApp {
  /** /metrics, /health and /ready (Redis and ai-pipeline reachable; not the audit database). */
  http: FastifyInstance;
  worker: Worker;
}

/** Wires the claim loop to the store, its pub/sub messages and the metrics port. */
export async function createWorkerApp(deps: WorkerAppDeps): Promise<WorkerApp> {
  const workerMetrics = createWorkerMetrics(deps.metrics.registry);
  const slots = deps.actionsEnabled === false ? 0 : deps.concurrency;
  registerQueueGauges(deps.metrics.registry, { store: deps.store, slots });

  const worker = startWorker({
    store: workerStoreFor(deps.store, deps.partitions),
    pipeline: deps.pipeline,
    logger: deps.logger,
    metrics: workerMetrics,
    audit: deps.auditWriter ? createJobAudit(deps.auditWriter) : undefined,
    workerId: `${hostname()}:${process.pid}`,
    concurrency: slots,
    leaseMs: deps.leaseMs,
    maintenanceMs: deps.maintenanceMs,
  });
  deps.subscriber.on('message', (channel: string, message: string) => handleStoreMessage(worker, deps.channels, channel, message));
  await deps.subscriber.subscribe(deps.channels.wake, deps.channels.cancel);

  // The audit database is left out on purpose: its outage must not stop jobs (the writer keeps rows).
  const readiness: ReadinessCheck[] = [redisReadiness(deps.redis), pipelineReadiness(deps.pipeline)];
  const http = createMetricsApp({ registry: deps.metrics.registry, logger: deps.logger, service: SERVICE_NAME, readiness });
  return { http, worker };
}
