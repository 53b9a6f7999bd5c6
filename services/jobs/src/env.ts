import { z } from 'zod';
import { env } from '@opsconductor/kit';

const REDIS_URL_PART = /^rediss?:\/\/[^\s,]+$/i;

/**
 * The environment of every service that opens the job store (automation-service,
 * queue-worker): spread into the service's config schema, so both read the same variables
 * the same way and cannot drift apart.
 */
export const jobStoreEnv = {
  /** Redis holding the job store; with REDIS_CLUSTER, a comma-separated list of seed nodes. */
  REDIS_URL: z
    .string()
    .refine((v) => v.split(',').every((part) => REDIS_URL_PART.test(part.trim())), 'expected redis:// or rediss:// URL(s) such as redis://127.0.0.1:6379')
    .default('redis://127.0.0.1:6379'),
  /** Connect to a Redis Cluster (the store's keys are cluster-safe). */
  REDIS_CLUSTER: env.flag(false),
  /** First part of every job key's hash tag; the same in every service. */
  JOB_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/, 'expected 1–32 characters of A-Z a-z 0-9 _ . -')
    .default('oc'),
  /** Queue partitions; part of the data format (changing it moves workspaces). */
  JOB_PARTITIONS: env.positiveInt(16).refine((n) => n <= 1024, 'expected at most 1024'),
  /** Finished jobs are deleted this many days after they finish. */
  JOB_RETENTION_DAYS: env.positiveInt(180),
};
