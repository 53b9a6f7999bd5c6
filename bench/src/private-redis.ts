/**
 * A private, purely in-memory redis-server for the queue comparison: both systems run on the
 * same one, and it is flushed between measurements (never the shared Redis on 6379).
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '@opsconductor/mesh';

export interface PrivateRedis {
  url: string;
  host: string;
  port: number;
  /** An admin connection (FLUSHALL, INFO): not one the systems under test use. */
  admin: Redis;
  flush(): Promise<void>;
  /** `used_memory` from INFO memory, in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const host = '127.0.0.1';
  const port = await freePort();
  // No RDB snapshots or AOF: persistence would add fork and fsync noise to both sides alike.
  const child = spawn('redis-server', ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // redis-server takes a moment to listen: the client retries until it answers (or gives up).
  const admin = new Redis({ host, port, retryStrategy: (times) => (times > 100 ? null : 20) });
  admin.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      admin.once('ready', resolve);
      admin.once('end', () => reject(new Error(`bench: redis-server on port ${port} did not start`)));
    });
  } catch (err) {
    child.kill();
    await exited;
    throw err;
  }
  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    admin,
    async flush() {
      await admin.flushall();
    },
    async usedMemory() {
      const info = await admin.info('memory');
      const match = /^used_memory:(\d+)/m.exec(info);
      if (!match?.[1]) throw new Error('bench: INFO memory has no used_memory');
      return Number(match[1]);
    },
    async stop() {
      await admin.quit().catch(() => undefined);
      child.kill('SIGTERM');
      await exited;
    },
  };
}
