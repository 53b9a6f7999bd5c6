export { createJobStore, type JobStore, type JobPage, type ClaimOptions, type BatchOptions, type ReapResult } from './store';
export type { JobStoreOptions } from './store-options';
export type { EraseOptions, EraseResult } from './erase';
export type { EnqueueInput } from './validate';
export {
  JOB_STATUSES,
  ACTION_PATTERN,
  decodeJob,
  type Job,
  type JobStatus,
  type JobLease,
  type ClaimedJob,
  type JobErrorInfo,
  type TraceContext,
} from './job';
export type { JobEvent } from './events';
export { JobError, isJobError, JOB_ERROR_CODES, type JobErrorCode } from './errors';
export { backoffCeilingMs, backoffDelayMs, type BackoffOptions } from './backoff';
export { createKeySpace, WORKSPACE_ID_PATTERN, type KeySpace } from './keys';
export { fnv1a32, partitionOf } from './partition';
export { connectRedis, duplicateConnection, redisReadiness, type ConnectRedisOptions } from './connect';
export { LUA_DIR, SCRIPT_NAMES, scriptSources, type RedisClient, type ScriptName } from './scripts';
export { jobStoreEnv } from './env';
