#!/usr/bin/env node
/**
 * `pnpm start` / `scripts/start`: runs the whole mesh in the foreground, prints the URLs, and
 * stops everything cleanly on Ctrl-C. Ports come from DESIGN.md, each overridable by env.
 */
import path from 'node:path';
import { redactUrl } from './database';
import { DEFAULT_PORTS } from './ports';
import type { MeshPorts } from './ports';
import { startMesh } from './launcher';
import type { Mesh, ServiceName } from './launcher';

const PORT_ENV: Record<keyof MeshPorts, string> = {
  gateway: 'GATEWAY_PORT',
  gatewayStatus: 'GATEWAY_STATUS_PORT',
  automation: 'AUTOMATION_SERVICE_PORT',
  automationMetrics: 'AUTOMATION_SERVICE_METRICS_PORT',
  pipeline: 'AI_PIPELINE_PORT',
  pipelineMetrics: 'AI_PIPELINE_METRICS_PORT',
  workerMetrics: 'QUEUE_WORKER_METRICS_PORT',
  database: 'PGLITE_PORT',
};

function portsFromEnv(): MeshPorts {
  const ports = { ...DEFAULT_PORTS };
  for (const [key, name] of Object.entries(PORT_ENV) as Array<[keyof MeshPorts, string]>) {
    const value = process.env[name];
    if (value === undefined || value === '') continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      console.error(`${name}: expected a port (1–65535), got "${value}"`);
      process.exit(2);
    }
    ports[key] = port;
  }
  return ports;
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const quiet = process.env.MESH_QUIET === 'true';

async function main(): Promise<void> {
  // Set once the mesh is up; a signal during start-up finds it unset and just exits.
  const running: { mesh?: Mesh } = {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    print('stopping the mesh…');
    await running.mesh?.stop();
    print('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  print('starting Redis, the database, ai-pipeline, automation-service, queue-worker and the gateway stand-in…');
  const mesh = await startMesh({
    ports: portsFromEnv(),
    echo: quiet ? undefined : (service: ServiceName, line: string) => print(`[${service}] ${line}`),
    onUnexpectedExit: (service, code) => {
      console.error(`${service} exited unexpectedly (code ${code}); stopping the mesh`);
      void shutdown(1);
    },
  });
  running.mesh = mesh;
  const { urls, database } = mesh;
  const here = (file: string) => path.relative(process.cwd(), file) || file;
  print('');
  print('OpsConductor is up:');
  print(`  gateway (Kong stand-in)   ${urls.gateway}          metrics ${urls.gatewayStatus}/metrics`);
  print(`  automation-service        ${urls.automation}          metrics ${urls.automationMetrics}/metrics`);
  print(`  ai-pipeline               ${urls.pipeline}          metrics ${urls.pipelineMetrics}/metrics`);
  print(`  queue-worker              (no API)                       metrics ${urls.workerMetrics}/metrics`);
  print(`  redis                     ${urls.redis}${mesh.redis.started ? ' (started here, data in .data/redis)' : ''}`);
  print(
    `  database                  ${redactUrl(urls.database)}${database.pgliteDir ? ` (embedded PGlite, data in ${here(database.pgliteDir)})` : ' (DATABASE_URL)'}`,
  );
  print(`  logs                      ${mesh.logDir}`);
  print('');
  const auth = database.devKey ? ` -H 'Authorization: Bearer ${database.devKey.secret}'` : '';
  if (database.devKey) {
    const origin = database.devKey.created ? 'created now' : 'as before';
    print(`API key (dev workspace): ${database.devKey.secret}   (${origin}; kept in ${here(database.devKey.file)})`);
  }
  print(`try: curl -XPOST ${urls.gateway}/ai/execute${auth} -H 'content-type: application/json' -d '{"input":"ping","tool":"echo"}'`);
  if (database.embedded) print('`pnpm keys` uses this database while the mesh runs.');
  print('Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
