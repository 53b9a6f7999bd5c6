import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { waitFor } from './wait';

/** Answers true when a Redis server answers PING at `url` (RESP over a plain socket). */
export function redisPing(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    // +PONG, or -NOAUTH when a password is required: either way a Redis is there.
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

export interface EnsuredRedis {
  url: string;
  /** True when the launcher started redis-server itself (and stops it with the mesh). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * Uses the Redis at `url` when it answers; otherwise starts `redis-server` from PATH on that
 * port with its data (AOF, everysec) under `dataDir`; otherwise fails saying how to get one.
 */
export async function ensureRedis(url: string, dataDir: string): Promise<EnsuredRedis> {
  if (await redisPing(url)) return { url, started: false, stop: async () => undefined };
  const { hostname, port } = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname);
  const installed = spawnSync('redis-server', ['--version']).status === 0;
  if (!local || !installed) {
    throw new Error(
      `Redis is not reachable at ${url}` +
        (local ? ' and redis-server is not on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)' : '') +
        ' or set REDIS_URL to a running Redis.',
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', port || '6379', '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    { stdio: 'ignore' },
  );
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`))));
  exited.catch(() => undefined);
  await waitFor(`redis-server on ${url}`, () => redisPing(url), { timeoutMs: 10_000, abort: exited });
  return {
    url,
    started: true,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
