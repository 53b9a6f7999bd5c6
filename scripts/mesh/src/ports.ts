import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';

/*
 * Why not simply listen on port 0: the kernel hands out those ports from its ephemeral range,
 * the same range every outgoing connection and every other test's port-0 listener draws from.
 * A port released here is soon handed to someone else, and a mesh whose child processes bind
 * it seconds later fails with EADDRINUSE, or worse, its readiness probe reaches the other
 * process. So ports come from below the ephemeral range, which the kernel never picks itself,
 * and each Jest worker owns a block of its own there: parallel test files never pick the same
 * port, and the bind check below skips what a foreign process holds.
 */
const BLOCK_SIZE = 500;
/** Blocks for Jest workers (JEST_WORKER_ID 1..n); the rest are for other processes, by pid. */
const WORKER_BLOCKS = 16;
const OTHER_BLOCKS = 8;
const BLOCKS = WORKER_BLOCKS + OTHER_BLOCKS;
/** Linux's default ip_local_port_range starts here. */
const DEFAULT_EPHEMERAL_LOW = 32768;

function readEphemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Read once: the kernel's setting does not move under a run. */
const EPHEMERAL_LOW = readEphemeralLow();

/** The first port of this process' block, or undefined when the ephemeral range leaves no room below it (then: port 0). */
function blockStart(): number | undefined {
  const first = EPHEMERAL_LOW - BLOCKS * BLOCK_SIZE;
  if (first < 1024) return undefined;
  const worker = Number(process.env.JEST_WORKER_ID);
  const block = Number.isInteger(worker) && worker > 0 ? (worker - 1) % WORKER_BLOCKS : WORKER_BLOCKS + (process.pid % OTHER_BLOCKS);
  return first + block * BLOCK_SIZE;
}

/** Where the next port is tried inside the block; random at first, so a test file does not reuse the last one's ports. */
let cursor: number | undefined;

async function listenOnce(port: number, host: string): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!bound) return undefined;
  const actual = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return actual;
}

/** A port that is free now and that no other Jest worker or port-0 listener will be given; for meshes that run in parallel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const start = blockStart();
  if (start !== undefined) {
    for (let tries = 0; tries < BLOCK_SIZE; tries++) {
      cursor = cursor === undefined ? randomInt(BLOCK_SIZE) : (cursor + 1) % BLOCK_SIZE;
      const port = await listenOnce(start + cursor, host);
      if (port !== undefined) return port;
    }
  }
  const port = await listenOnce(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}

/** Every port of the mesh, with DESIGN.md's defaults. */
export interface MeshPorts {
  gateway: number;
  gatewayStatus: number;
  /** The gateway stand-in's admin API (ADMIN_PORT): canary tooling changes target weights there. */
  gatewayAdmin: number;
  automation: number;
  automationMetrics: number;
  pipeline: number;
  pipelineMetrics: number;
  /** The canary pair (used only when the mesh runs with `canary`): kong.yml's `automation-service-canary:3003` target. */
  canaryAutomation: number;
  canaryAutomationMetrics: number;
  canaryPipeline: number;
  canaryPipelineMetrics: number;
  /** The queue-worker's only port: /metrics, /health, /ready. */
  workerMetrics: number;
  /** The embedded PGlite's PostgreSQL port (unused with an external DATABASE_URL); 0: the OS picks one. */
  database: number;
  /** Prometheus' web UI and API (unused when the mesh runs without it). */
  prometheus: number;
  /** The built frontend (frontend/dist), served by the launcher; the gateway's `frontend` target. */
  frontend: number;
}

export const DEFAULT_PORTS: MeshPorts = {
  gateway: 3000,
  gatewayStatus: 8100,
  gatewayAdmin: 8101,
  automation: 3003,
  automationMetrics: 9091,
  pipeline: 8001,
  pipelineMetrics: 9092,
  // Beside their stable twins' ports; 9094/9095 follow the queue-worker's 9093.
  canaryAutomation: 3004,
  canaryAutomationMetrics: 9094,
  canaryPipeline: 8002,
  canaryPipelineMetrics: 9095,
  workerMetrics: 9093,
  // Not DESIGN.md's 5432: a developer's own PostgreSQL is often there already.
  database: 0,
  prometheus: 9090,
  frontend: 3100,
};

/** Ports for a private mesh, from this process' block (freePort), so parallel runs never collide. */
export async function freePorts(): Promise<MeshPorts> {
  const ports: Record<string, number> = {};
  // One after another: the cursor then gives each name its own port.
  for (const name of Object.keys(DEFAULT_PORTS)) ports[name] = await freePort();
  return ports as unknown as MeshPorts;
}
