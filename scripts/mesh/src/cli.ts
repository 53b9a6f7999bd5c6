#!/usr/bin/env node
/**
 * `pnpm start` / `scripts/start`: runs the whole mesh in the foreground, prints the URLs, and
 * stops everything cleanly on Ctrl-C. Ports come from DESIGN.md, each overridable by env.
 * Prometheus runs too when its binary is on PATH, unless PROMETHEUS=off. The built frontend
 * (frontend/dist, which `scripts/start` builds first) is served on FRONTEND_PORT and through the
 * gateway at `/`, unless FRONTEND=off; without a build the mesh starts without it, saying so.
 * `--canary` (or CANARY=on) also runs the canary pair, named by CANARY_VERSION (default canary).
 */
import path from 'node:path';
import { redactUrl } from './database';
import { DEFAULT_PORTS } from './ports';
import type { MeshPorts } from './ports';
import { resolveCanary, startMesh } from './launcher';
import type { CanaryOptions, Mesh, MeshProcessName } from './launcher';
import { LOCAL_SCRAPE_INTERVAL } from './prometheus';
import type { PrometheusMode } from './prometheus';

const USAGE = `Usage: scripts/start [--canary] [--help]

Starts the whole mesh locally (see README.md "Configuration" for the environment).
  --canary   also run the canary pair (automation-service-canary + ai-pipeline-canary with
             FEATURE_BYPASS_LLM=true) behind kong.yml's canary target, at weight 0 until
             scripts/canary.sh shifts traffic; same as CANARY=on. CANARY_VERSION names it (canary).
  --help     print this and exit`;

const PORT_ENV: Record<keyof MeshPorts, string> = {
  gateway: 'GATEWAY_PORT',
  gatewayStatus: 'GATEWAY_STATUS_PORT',
  gatewayAdmin: 'GATEWAY_ADMIN_PORT',
  automation: 'AUTOMATION_SERVICE_PORT',
  automationMetrics: 'AUTOMATION_SERVICE_METRICS_PORT',
  pipeline: 'AI_PIPELINE_PORT',
  pipelineMetrics: 'AI_PIPELINE_METRICS_PORT',
  canaryAutomation: 'CANARY_AUTOMATION_SERVICE_PORT',
  canaryAutomationMetrics: 'CANARY_AUTOMATION_SERVICE_METRICS_PORT',
  canaryPipeline: 'CANARY_AI_PIPELINE_PORT',
  canaryPipelineMetrics: 'CANARY_AI_PIPELINE_METRICS_PORT',
  workerMetrics: 'QUEUE_WORKER_METRICS_PORT',
  database: 'PGLITE_PORT',
  prometheus: 'PROMETHEUS_PORT',
  frontend: 'FRONTEND_PORT',
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

/** PROMETHEUS=off runs the mesh without it; on (the default) starts it when the binary is on PATH. */
function prometheusFromEnv(): PrometheusMode {
  const value = process.env.PROMETHEUS ?? 'on';
  if (value === 'on' || value === '') return 'if-installed';
  if (value === 'off') return 'off';
  console.error(`PROMETHEUS: expected on or off, got "${value}"`);
  process.exit(2);
}

/** FRONTEND=off runs the mesh without serving frontend/dist; on (the default) serves it when built. */
function frontendFromEnv(): boolean {
  const value = process.env.FRONTEND ?? 'on';
  if (value === 'on' || value === '') return true;
  if (value === 'off') return false;
  console.error(`FRONTEND: expected on or off, got "${value}"`);
  process.exit(2);
}

/** `--canary` or CANARY=on runs the canary pair; CANARY_VERSION names it. Unknown arguments: usage, exit 2. */
function canaryFromArgs(args: string[]): CanaryOptions | undefined {
  let flag = false;
  for (const arg of args) {
    if (arg === '--canary') flag = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      console.error(`unknown argument "${arg}"\n${USAGE}`);
      process.exit(2);
    }
  }
  const value = process.env.CANARY ?? 'off';
  if (value !== 'on' && value !== 'off' && value !== '') {
    console.error(`CANARY: expected on or off, got "${value}"`);
    process.exit(2);
  }
  if (!flag && value !== 'on') return undefined;
  const version = process.env.CANARY_VERSION || undefined;
  try {
    return resolveCanary({ version });
  } catch (err) {
    console.error(`CANARY_VERSION: ${(err as Error).message}`);
    process.exit(2);
  }
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

  const canary = canaryFromArgs(process.argv.slice(2));
  const prometheus = prometheusFromEnv();
  const frontend = frontendFromEnv();
  const ports = portsFromEnv();
  const parts = [
    'Redis',
    'the database',
    'ai-pipeline',
    'automation-service',
    ...(canary ? [`the canary pair (${canary.version})`] : []),
    'queue-worker',
    ...(frontend ? ['the frontend'] : []),
    'the gateway stand-in',
  ];
  if (prometheus !== 'off') parts.push('Prometheus');
  print(`starting ${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}…`);
  const mesh = await startMesh({
    ports,
    canary,
    prometheus,
    frontend,
    echo: quiet ? undefined : (service: MeshProcessName, line: string) => print(`[${service}] ${line}`),
    onUnexpectedExit: (service, code) => {
      if (service === 'prometheus') {
        // An observer: the mesh and its jobs go on without it. During start-up, startMesh's own
        // error says what happened.
        const log = running.mesh?.prometheus.process?.logFile;
        if (log) console.error(`prometheus exited unexpectedly (code ${code}); the mesh runs on without it (log: ${log})`);
        return;
      }
      console.error(`${service} exited unexpectedly (code ${code}); stopping the mesh`);
      void shutdown(1);
    },
  });
  running.mesh = mesh;
  const { urls, database } = mesh;
  const here = (file: string) => path.relative(process.cwd(), file) || file;
  print('');
  print('OpsConductor is up:');
  print(`  gateway (Kong stand-in)   ${urls.gateway}          metrics ${urls.gatewayStatus}/metrics   admin ${urls.gatewayAdmin}`);
  print(`  automation-service        ${urls.automation}          metrics ${urls.automationMetrics}/metrics`);
  print(`  ai-pipeline               ${urls.pipeline}          metrics ${urls.pipelineMetrics}/metrics`);
  if (mesh.canary) {
    print(`  canary automation-service ${urls.canaryAutomation}          metrics ${urls.canaryAutomationMetrics}/metrics   (version ${mesh.canary.version})`);
    print(`  canary ai-pipeline        ${urls.canaryPipeline}          metrics ${urls.canaryPipelineMetrics}/metrics   (FEATURE_BYPASS_LLM=true)`);
    print(`                            weight 0 until shifted: scripts/canary.sh status (gateway admin ${urls.gatewayAdmin})`);
  }
  print(`  queue-worker              (no API)                       metrics ${urls.workerMetrics}/metrics`);
  if (urls.frontend) {
    print(`  frontend (Exec Sandbox)   ${urls.gateway}/ through the gateway, ${urls.frontend}/ direct (${here(mesh.frontend.distDir)})`);
  } else {
    print(`  frontend                  ${frontend ? mesh.frontend.notice : 'not served (FRONTEND=off)'}`);
  }
  print(`  redis                     ${urls.redis}${mesh.redis.started ? ' (started here, data in .data/redis)' : ''}`);
  print(
    `  database                  ${redactUrl(urls.database)}${database.pgliteDir ? ` (embedded PGlite, data in ${here(database.pgliteDir)})` : ' (DATABASE_URL)'}`,
  );
  const prom = mesh.prometheus;
  if (prom.url) {
    print(`  prometheus                ${prom.url}          scrapes every ${LOCAL_SCRAPE_INTERVAL}, rules of monitoring/prometheus/rules, data in ${here(prom.storageDir ?? '')}`);
  } else {
    print(`  prometheus                ${prometheus === 'off' ? 'not started (PROMETHEUS=off)' : prom.notice}`);
  }
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
