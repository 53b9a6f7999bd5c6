import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '@opsconductor/kit';
import type { RedisClient } from '@opsconductor/jobs';

/** Seconds a client is told to wait while Redis is unreachable. */
export const STORE_DOWN_RETRY_AFTER_S = 1;

/**
 * Error handler of the jobs routes: a failure while the Redis client is not connected is the
 * store being down, a 503 worth retrying, not a 500. Rethrown, so the kit's handler answers.
 */
export function jobStoreErrorHandler(redis: RedisClient) {
  return (error: FastifyError | Error, request: FastifyRequest, _reply: FastifyReply): never => {
    if (!isAppError(error) && !('statusCode' in error && Number(error.statusCode) < 500) && redis.status !== 'ready') {
      request.log.warn({ err: error.message, redis_status: redis.status }, 'job store unavailable');
      throw new AppError('UNAVAILABLE', 'the job store is unavailable; retry later', { retryAfterS: STORE_DOWN_RETRY_AFTER_S, cause: error });
    }
    throw error;
  };
}
