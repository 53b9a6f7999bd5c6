import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port that was free a moment ago (the OS picks it); for tests that run the mesh in parallel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
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

/** Ports for a private mesh: each one chosen by the OS, so parallel runs never collide. */
export async function freePorts(): Promise<MeshPorts> {
  const entries = await Promise.all(Object.keys(DEFAULT_PORTS).map(async (name) => [name, await freePort()] as const));
  return Object.fromEntries(entries) as unknown as MeshPorts;
}
