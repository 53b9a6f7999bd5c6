/** Test helpers for packages that use the job store (exported as `@opsconductor/jobs/testing`). */
export * from './redis-cluster';
