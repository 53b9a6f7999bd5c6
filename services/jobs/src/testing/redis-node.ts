import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pollUntil } from './poll';

/** One `redis-server` child in cluster mode, owned by the cluster harness. */
export interface RedisNode {
  host: string;
  port: number;
  busPort: number;
  /** The last few KB the server printed, for error messages. */
  output(): string;
  /** Null while running, else why it stopped. */
  exitReason(): string | null;
  /** Resolves with a connected standalone client once the server answers PING. */
  waitReady(timeoutMs: number): Promise<Redis>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL = 8192;

/**
 * Starts redis-server with no persistence (appendonly no, save "") and an explicit cluster bus
 * port, so the bus never depends on port + 10000 being free.
 */
export function startRedisNode(opts: { bin: string; host: string; port: number; busPort: number; dir: string }): RedisNode {
  const { bin, host, port, busPort, dir } = opts;
  const args = [
    '--port', String(port),
    '--cluster-port', String(busPort),
    '--bind', host,
    '--cluster-enabled', 'yes',
    '--cluster-config-file', `${dir}/nodes.conf`,
    '--cluster-node-timeout', '5000',
    '--appendonly', 'no',
    '--save', '',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'notice',
  ];
  let tail = '';
  let exitReason: string | null = null;
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      exitReason = `could not start ${bin}: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitReason ??= `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });

  async function waitReady(timeoutMs: number): Promise<Redis> {
    return pollUntil(
      async () => {
        if (exitReason !== null) throw new FatalNodeError(`redis-server :${port} ${exitReason}\n${tail}`);
        const client = new Redis({ host, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        try {
          await client.connect();
          await client.ping();
          return client;
        } catch (err) {
          client.disconnect();
          throw err;
        }
      },
      { what: `redis-server on ${host}:${port}`, timeoutMs, isFatal: (err) => err instanceof FatalNodeError },
    );
  }

  async function stop(graceMs = 5000): Promise<void> {
    if (exitReason !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  return { host, port, busPort, output: () => tail, exitReason: () => exitReason, waitReady, stop };
}

/** The node process is gone: polling it any longer is pointless. */
export class FatalNodeError extends Error {}
