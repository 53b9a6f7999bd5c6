import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { handleShutdown } from './shutdown';

/** One port a process listens on: its API, its metrics, a status port. */
export interface Listener {
  /** Named in the "listening" log line as `<name>_port`. */
  name: string;
  app: FastifyInstance;
  port: number;
}

export interface ServeOptions {
  logger: Logger;
  host: string;
  graceMs: number;
  /** Listened on in order; on shutdown closed in the same order (the first one drains first). */
  listeners: Listener[];
  /** Run before the listeners close, e.g. a worker letting its running jobs finish. */
  drain?: Array<{ name: string; run: () => Promise<unknown> }>;
  /** Closed after the listeners, e.g. connection pools to other services. */
  cleanup?: Array<{ name: string; run: () => Promise<unknown> }>;
  /** Extra fields of the "listening" line (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * The tail of every `main()`: shutdown is wired before the first listen (a signal during start
 * still drains), then each listener binds and one "listening" line gives the bound ports.
 */
export async function serve(opts: ServeOptions): Promise<Record<string, number | undefined>> {
  handleShutdown({
    logger: opts.logger,
    graceMs: opts.graceMs,
    steps: [...(opts.drain ?? []), ...opts.listeners.map((l) => ({ name: l.name, run: () => l.app.close() })), ...(opts.cleanup ?? [])],
  });
  const ports: Record<string, number | undefined> = {};
  for (const listener of opts.listeners) {
    await listener.app.listen({ host: opts.host, port: listener.port });
    ports[`${listener.name}_port`] = boundPort(listener.app);
  }
  opts.logger.info({ host: opts.host, ...ports, ...opts.details }, 'listening');
  return ports;
}

/** The port an app is bound to (differs from the configured one when that was 0). */
export function boundPort(app: FastifyInstance): number | undefined {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}

/** Runs a service's `main()`, turning a start-up failure into a message and exit code 1. */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    console.error(`${service} failed to start:`, err);
    process.exit(1);
  });
}
