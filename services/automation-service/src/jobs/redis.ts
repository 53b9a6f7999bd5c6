import { Cluster } from 'ioredis';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '@opsconductor/kit';
import type { ReadinessCheck } from '@opsconductor/kit';
import type { RedisClient } from '@opsconductor/jobs';

/** GET /ready's `redis` check: the client is connected and Redis answers PING. */
export function redisReadiness(redis: RedisClient): ReadinessCheck {
  return {
    name: 'redis',
    async check() {
      // While reconnecting, a PING would wait in the offline queue; say why at once instead.
      if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
      const answer = await redis.ping();
      if (answer !== 'PONG') throw new Error('redis did not answer PONG');
    },
  };
}

/**
 * A new connection with the same options (a blocking XREAD holds its connection until it
 * answers). The name shows in CLIENT LIST, so an operator can count open event streams.
 */
export function duplicateConnection(redis: RedisClient, connectionName: string): RedisClient {
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, { redisOptions: { ...redis.options.redisOptions, connectionName } });
  }
  return redis.duplicate({ connectionName });
}

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
