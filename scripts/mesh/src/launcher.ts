import path from 'node:path';
import { startDatabase } from './database';
import type { MeshDatabase } from './database';
import { ensureRedis } from './redis';
import type { EnsuredRedis } from './redis';
import { DEFAULT_PORTS } from './ports';
import type { MeshPorts } from './ports';
import { ServiceProcess } from './service-process';
import type { ServiceSpec } from './service-process';
import { httpOk, waitFor } from './wait';

export const SERVICE_NAMES = ['ai-pipeline', 'automation-service', 'queue-worker', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface MeshOptions {
  /** The repository root (default: found from this file). */
  root?: string;
  ports?: Partial<MeshPorts>;
  /** Where Redis and PGlite data, the development key and service logs go (default `<root>/.data`). */
  dataDir?: string;
  /** Default `REDIS_URL` from the environment, else redis://127.0.0.1:6379. */
  redisUrl?: string;
  /**
   * An external PostgreSQL, migrated and used as it is. Default `DATABASE_URL` from the
   * environment, else an embedded PGlite under `<dataDir>/pglite`, served on 127.0.0.1.
   */
  databaseUrl?: string;
  /** Create (first start) or reuse the development key of the `dev` workspace (default true). */
  devKey?: boolean;
  /** Extra environment for every service, and per service. */
  env?: NodeJS.ProcessEnv;
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Called with each log line of each service (the `start` command prints them). */
  echo?: (service: ServiceName, line: string) => void;
  /** Called when a service exits without being asked to. */
  onUnexpectedExit?: (service: ServiceName, code: number | null) => void;
  /** How long each service may take to become ready (default 30 s). */
  readyTimeoutMs?: number;
}

export interface MeshUrls {
  gateway: string;
  gatewayStatus: string;
  automation: string;
  automationMetrics: string;
  pipeline: string;
  pipelineMetrics: string;
  workerMetrics: string;
  redis: string;
  /** The DATABASE_URL every service gets (may hold a password when external). */
  database: string;
}

export interface Mesh {
  urls: MeshUrls;
  ports: MeshPorts;
  redis: EnsuredRedis;
  database: MeshDatabase;
  /** Same as `urls.database`. */
  databaseUrl: string;
  /** The development key's secret (`Authorization: Bearer …`); undefined with `devKey: false`. */
  devKey: string | undefined;
  services: Record<ServiceName, ServiceProcess>;
  logDir: string;
  /** Stops one service (SIGTERM, drain) and waits for it to exit. */
  stopService(name: ServiceName): Promise<number | null>;
  /** Starts a stopped service again and waits until it is ready. */
  startService(name: ServiceName): Promise<void>;
  /** Stops everything: the gateway first, then the other services, Redis, and the embedded database last. */
  stop(): Promise<void>;
}

const DEFAULT_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Starts the whole local mesh in dependency order (Redis, the database, ai-pipeline,
 * automation-service, queue-worker, gateway stand-in), each service from its built dist/, and
 * waits until each one is ready.
 */
export async function startMesh(opts: MeshOptions = {}): Promise<Mesh> {
  const root = opts.root ?? DEFAULT_ROOT;
  const ports: MeshPorts = { ...DEFAULT_PORTS, ...opts.ports };
  const dataDir = opts.dataDir ?? path.join(root, '.data');
  const logDir = path.join(dataDir, 'logs');
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const redis = await ensureRedis(opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', path.join(dataDir, 'redis'));
  let database: MeshDatabase;
  try {
    database = await startDatabase({
      dataDir,
      url: opts.databaseUrl || process.env.DATABASE_URL || undefined,
      port: ports.database,
      devKey: opts.devKey ?? true,
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }

  const urls: MeshUrls = {
    gateway: local(ports.gateway),
    gatewayStatus: local(ports.gatewayStatus),
    automation: local(ports.automation),
    automationMetrics: local(ports.automationMetrics),
    pipeline: local(ports.pipeline),
    pipelineMetrics: local(ports.pipelineMetrics),
    workerMetrics: local(ports.workerMetrics),
    redis: redis.url,
    database: database.url,
  };
  // DATABASE_URL after opts.env: the services use the database that was just migrated.
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', REDIS_URL: redis.url, ...opts.env, DATABASE_URL: database.url };
  const automationTarget = `127.0.0.1:${ports.automation}`;
  const specs: Record<ServiceName, ServiceSpec> = {
    'ai-pipeline': {
      name: 'ai-pipeline',
      cwd: path.join(root, 'services', 'ai-pipeline'),
      env: { ...baseEnv, PORT: String(ports.pipeline), METRICS_PORT: String(ports.pipelineMetrics), ...opts.serviceEnv?.['ai-pipeline'] },
      readyUrl: `${urls.pipeline}/ready`,
    },
    'automation-service': {
      name: 'automation-service',
      cwd: path.join(root, 'services', 'automation-service'),
      env: {
        ...baseEnv,
        PORT: String(ports.automation),
        METRICS_PORT: String(ports.automationMetrics),
        AI_PIPELINE_URL: urls.pipeline,
        ...opts.serviceEnv?.['automation-service'],
      },
      readyUrl: `${urls.automation}/ready`,
    },
    'queue-worker': {
      name: 'queue-worker',
      cwd: path.join(root, 'services', 'queue-worker'),
      env: { ...baseEnv, METRICS_PORT: String(ports.workerMetrics), AI_PIPELINE_URL: urls.pipeline, ...opts.serviceEnv?.['queue-worker'] },
      readyUrl: `${urls.workerMetrics}/ready`,
    },
    gateway: {
      name: 'gateway',
      cwd: path.join(root, 'gateway', 'local'),
      env: {
        ...baseEnv,
        PORT: String(ports.gateway),
        STATUS_PORT: String(ports.gatewayStatus),
        GATEWAY_CONFIG: path.join(root, 'gateway', 'kong.yml'),
        // Stable and canary targets of kong.yml both point at the one local automation-service.
        GATEWAY_TARGET_OVERRIDES: `automation-service:3003=${automationTarget},automation-service-canary:3003=${automationTarget}`,
        ...opts.serviceEnv?.gateway,
      },
      readyUrl: `${urls.gatewayStatus}/status/ready`,
    },
  };

  const services = {} as Record<ServiceName, ServiceProcess>;
  for (const name of SERVICE_NAMES) {
    services[name] = new ServiceProcess(
      specs[name],
      { logDir, echo: opts.echo ? (line) => opts.echo?.(name, line) : undefined },
      (service, code) => opts.onUnexpectedExit?.(service as ServiceName, code),
    );
  }

  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const startService = async (name: ServiceName): Promise<void> => {
    const service = services[name];
    service.start();
    const died = service.waitForExit().then((code) => {
      throw new Error(`${name} exited with code ${code} before it was ready; last lines of ${service.logFile}:\n${service.tail()}`);
    });
    died.catch(() => undefined);
    await waitFor(name, () => httpOk(service.spec.readyUrl), { timeoutMs: readyTimeoutMs, abort: died });
  };

  const stop = async (): Promise<void> => {
    try {
      for (const name of [...SERVICE_NAMES].reverse()) await services[name].stop();
      await redis.stop();
    } finally {
      // Last, and whatever happened before: PGlite writes its files out on close.
      await database.stop();
    }
  };

  try {
    for (const name of SERVICE_NAMES) await startService(name);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    urls,
    ports,
    redis,
    database,
    databaseUrl: database.url,
    devKey: database.devKey?.secret,
    services,
    logDir,
    stopService: (name) => services[name].stop(),
    startService,
    stop,
  };
}
