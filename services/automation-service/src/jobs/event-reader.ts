import { createJobStore } from '@opsconductor/jobs';
import type { JobStoreOptions, RedisClient } from '@opsconductor/jobs';
import type { EventReader } from './event-stream';
import { duplicateConnection } from '@opsconductor/jobs';

/**
 * Opens one EventReader per event stream: a connection of its own (a blocking XREAD holds it),
 * named `connectionName` in CLIENT LIST, and a store on the same keys that reads through it.
 */
export function eventReaderFactory(redis: RedisClient, storeOptions: Omit<JobStoreOptions, 'redis' | 'blockingRedis'>, connectionName: string): () => EventReader {
  return () => {
    const connection = duplicateConnection(redis, connectionName);
    const reader = createJobStore({ ...storeOptions, redis, blockingRedis: connection });
    let closed = false;
    return {
      read: (workspaceId, after, blockMs) => reader.events(workspaceId, { after, blockMs }),
      close() {
        // Once only: a second disconnect() arms a 2 s timer that no socket close clears.
        if (closed) return;
        closed = true;
        connection.disconnect();
      },
    };
  };
}
