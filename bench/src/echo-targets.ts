/**
 * The four targets of the `echo` bench, each a separate process as in production: a bare Node
 * `http` server (the limit of one hop), and the mesh started once by the launcher, whose
 * gateway stand-in reads a copy of kong.yml with the rate limits raised out of reach. The
 * automation-service needs an API key: each of its two targets gets one of its own workspace
 * (its per-workspace limit raised to the maximum, counted apart).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, freePorts, startMesh } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { parseDocument } from 'yaml';
import { createBenchKeys } from './bench-keys';
import { BENCH_DIR } from './results';

export interface Target {
  name: string;
  url: string;
  /** Sent with every request (the API key, for the targets behind the automation-service). */
  headers: Record<string, string>;
  /** The processes that serve this target, by the name the CPU notes use. */
  pids: Record<string, number | undefined>;
}

export interface Targets {
  list: Target[];
  /** All the processes of the run, for CPU sampling. */
  pids: Record<string, number | undefined>;
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(BENCH_DIR, '..');

/** Each configured window of kong.yml's rate-limiting, raised to this many requests per second of window. */
const UNREACHABLE_PER_SECOND = 1_000_000_000;
const WINDOW_S: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 };

/**
 * gateway/kong.yml with every rate-limiting window raised far above any rate a bench reaches
 * (it allows 100/s per IP, which one load generator exceeds at once); every plugin stays on,
 * so the gateway still does all the work it does in production, counting included.
 */
export function unthrottledGatewayConfig(dir: string): string {
  const doc = parseDocument(readFileSync(path.join(REPO_ROOT, 'gateway', 'kong.yml'), 'utf8'));
  const plugins = doc.toJS().plugins as Array<{ name: string }>;
  const index = plugins.findIndex((p) => p.name === 'rate-limiting');
  if (index < 0) throw new Error('gateway/kong.yml has no rate-limiting plugin: the echo bench expects one');
  let raised = 0;
  for (const [period, seconds] of Object.entries(WINDOW_S)) {
    const key = ['plugins', index, 'config', period];
    if (doc.hasIn(key)) {
      doc.setIn(key, UNREACHABLE_PER_SECOND * seconds);
      raised++;
    }
  }
  if (raised === 0) throw new Error('the rate-limiting plugin of gateway/kong.yml has no window to raise');
  const file = path.join(dir, 'kong.bench.yml');
  writeFileSync(file, doc.toString());
  return file;
}

function startBareServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(BENCH_DIR, 'echo-bare-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bare server exited with code ${code} before listening`)));
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startTargets(dataDir: string): Promise<Targets> {
  const bare = await startBareServer();
  let mesh: Mesh;
  try {
    mesh = await startMesh({
      root: REPO_ROOT,
      ports: await freePorts(),
      dataDir,
      // A private Redis in the temp dir (the launcher starts it and stops it with the mesh).
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      // The bench makes its own keys; no development key is kept in the temp dir.
      devKey: false,
      env: { LOG_LEVEL: 'warn' },
      serviceEnv: {
        'ai-pipeline': { FEATURE_BYPASS_LLM: 'false' },
        gateway: { GATEWAY_CONFIG: unthrottledGatewayConfig(dataDir) },
      },
    });
  } catch (err) {
    await stopChild(bare.child);
    throw err;
  }
  let keys: string[];
  try {
    keys = await createBenchKeys(mesh.databaseUrl, ['bench-echo-automation', 'bench-echo-gateway']);
  } catch (err) {
    await mesh.stop();
    await stopChild(bare.child);
    throw err;
  }
  const pid = (name: 'ai-pipeline' | 'automation-service' | 'gateway') => mesh.services[name].pid;
  const pipeline = { 'ai-pipeline': pid('ai-pipeline') };
  const automation = { ...pipeline, 'automation-service': pid('automation-service') };
  const list: Target[] = [
    { name: 'bare Node http (the limit)', url: `http://127.0.0.1:${bare.port}/`, headers: {}, pids: { 'bare server': bare.child.pid } },
    { name: 'ai-pipeline direct', url: `${mesh.urls.pipeline}/execute`, headers: {}, pids: pipeline },
    { name: 'automation-service → ai-pipeline', url: `${mesh.urls.automation}/ai/execute`, headers: { authorization: keys[0] as string }, pids: automation },
    {
      name: 'gateway → automation → ai-pipeline',
      url: `${mesh.urls.gateway}/ai/execute`,
      headers: { authorization: keys[1] as string },
      pids: { ...automation, gateway: pid('gateway') },
    },
  ];
  return {
    list,
    pids: { 'bare server': bare.child.pid, ...automation, gateway: pid('gateway'), 'queue-worker': mesh.services['queue-worker'].pid },
    async stop() {
      await mesh.stop();
      await stopChild(bare.child);
    },
  };
}
