import path from 'node:path';
import { SERVICE_VERSION_MESSAGE, SERVICE_VERSION_PATTERN } from '@opsconductor/kit';
import { ensureCredentialsKey } from './credentials-key';
import { startDatabase } from './database';
import type { MeshDatabase } from './database';
import { defaultFrontendDist, frontendMissing, startFrontend } from './frontend';
import type { FrontendServer } from './frontend';
import { ensureRedis } from './redis';
import type { EnsuredRedis } from './redis';
import { DEFAULT_PORTS } from './ports';
import type { MeshPorts } from './ports';
import { planPrometheus } from './prometheus';
import type { PrometheusMode } from './prometheus';
import { ServiceProcess } from './service-process';
import type { ServiceSpec } from './service-process';
import { httpOk, waitFor } from './wait';

/**
 * Every service process, in start order (stopped in reverse): each canary twin right after its
 * stable one. The canary pair runs only when the mesh is started with `canary`.
 */
export const SERVICE_NAMES = ['ai-pipeline', 'ai-pipeline-canary', 'automation-service', 'automation-service-canary', 'queue-worker', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const CANARY_SERVICE_NAMES = ['ai-pipeline-canary', 'automation-service-canary'] as const;
export type CanaryServiceName = (typeof CANARY_SERVICE_NAMES)[number];
/** Every process the launcher may run: the services, and Prometheus when it runs. */
export type MeshProcessName = ServiceName | 'prometheus';

/** SERVICE_VERSION of the stable services (unless the mesh's env names another) and the canary's default. */
export const STABLE_VERSION = 'stable';
export const DEFAULT_CANARY_VERSION = 'canary';

/** The canary pair: a second automation-service and ai-pipeline, from the same builds. */
export interface CanaryOptions {
  /** Its SERVICE_VERSION (default `canary`). */
  version?: string;
  /** Extra environment for both canary services, over what their stable twins get. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment per canary service, last (e.g. FAULT_INJECTION_ERROR_RATIO for a failing canary). */
  serviceEnv?: { 'ai-pipeline'?: NodeJS.ProcessEnv; 'automation-service'?: NodeJS.ProcessEnv };
}

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
  /** Extra environment for every service, and per service (a stable service's also reaches its canary twin). */
  env?: NodeJS.ProcessEnv;
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /**
   * Also run the canary pair (default off): `ai-pipeline-canary` (FEATURE_BYPASS_LLM=true, as the
   * seed's canary plan has it) and `automation-service-canary` calling it, with SERVICE_VERSION
   * `canary` (the stable ones get `stable`); the gateway's `automation-service-canary:3003`
   * target then leads to it, and Prometheus scrapes it as `track="canary"`.
   */
  canary?: boolean | CanaryOptions;
  /**
   * Prometheus scraping the mesh (docs/decisions/observability.md, "Local Prometheus"). Default
   * `off`: most tests need no scrapes. `scripts/start` asks for `if-installed`.
   */
  prometheus?: PrometheusMode;
  /** Prometheus' scrape and evaluation interval (default LOCAL_SCRAPE_INTERVAL, 5s); a short canary test passes `1s`. */
  prometheusScrapeInterval?: string;
  /**
   * Serve the built frontend on `ports.frontend` (default true: a browser test needs it, and
   * static files cost nothing to serve). Without a build (no index.html in `frontendDist`) the
   * mesh starts without it and `frontend.notice` says so. docs/decisions/frontend.md.
   */
  frontend?: boolean;
  /** The folder `vite build` wrote (default `<root>/frontend/dist`); tests pass a fixture. */
  frontendDist?: string;
  /** Called with each log line of each service, and of Prometheus (the `start` command prints them). */
  echo?: (service: MeshProcessName, line: string) => void;
  /** Called when a service (or Prometheus) exits without being asked to. */
  onUnexpectedExit?: (service: MeshProcessName, code: number | null) => void;
  /** How long each service may take to become ready (default 30 s). */
  readyTimeoutMs?: number;
}

export interface MeshUrls {
  gateway: string;
  gatewayStatus: string;
  /** The gateway stand-in's admin API (target weights). */
  gatewayAdmin: string;
  automation: string;
  automationMetrics: string;
  pipeline: string;
  pipelineMetrics: string;
  workerMetrics: string;
  /** The canary pair; undefined when the mesh runs without it. */
  canaryAutomation: string | undefined;
  canaryAutomationMetrics: string | undefined;
  canaryPipeline: string | undefined;
  canaryPipelineMetrics: string | undefined;
  redis: string;
  /** The DATABASE_URL every service gets (may hold a password when external). */
  database: string;
  /** Prometheus' UI and API; undefined when the mesh runs without it. */
  prometheus: string | undefined;
  /** The frontend served directly (the gateway serves it too, at its `/`); undefined when not served. */
  frontend: string | undefined;
}

export interface MeshFrontend {
  /** Same as `urls.frontend`. */
  url: string | undefined;
  /** Why the mesh runs without it (one line for the start summary); undefined when served. */
  notice: string | undefined;
  /** The folder served, or looked for. */
  distDir: string;
}

export interface MeshPrometheus {
  /** Same as `urls.prometheus`. */
  url: string | undefined;
  /** Why the mesh runs without Prometheus (one line for the start summary); undefined when it runs. */
  notice: string | undefined;
  /** The rendered config (`<dataDir>/prometheus/prometheus.yml`) and the TSDB folder, when it runs. */
  configFile: string | undefined;
  storageDir: string | undefined;
  process: ServiceProcess | undefined;
}

export interface MeshCanary {
  /** The canary pair's SERVICE_VERSION. */
  version: string;
}

export interface Mesh {
  urls: MeshUrls;
  /** Undefined when the mesh runs without the canary pair. */
  canary: MeshCanary | undefined;
  ports: MeshPorts;
  redis: EnsuredRedis;
  database: MeshDatabase;
  /** Same as `urls.database`. */
  databaseUrl: string;
  /** The development key's secret (`Authorization: Bearer …`); undefined with `devKey: false`. */
  devKey: string | undefined;
  /** Every service; the canary pair's are never started when the mesh runs without it. */
  services: Record<ServiceName, ServiceProcess>;
  prometheus: MeshPrometheus;
  frontend: MeshFrontend;
  logDir: string;
  /** Stops one service (SIGTERM, drain) and waits for it to exit. */
  stopService(name: ServiceName): Promise<number | null>;
  /** Starts a stopped service again and waits until it is ready (a canary one only when the mesh runs the canary). */
  startService(name: ServiceName): Promise<void>;
  /** Stops everything: Prometheus and the gateway first, then the frontend, then the other services, Redis, and the embedded database last. */
  stop(): Promise<void>;
}

const DEFAULT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The canary options with their defaults; undefined when the canary is off. Throws on a bad version. */
export function resolveCanary(canary: MeshOptions['canary']): Required<Pick<CanaryOptions, 'version'>> & CanaryOptions | undefined {
  if (!canary) return undefined;
  const options = canary === true ? {} : canary;
  const version = options.version ?? DEFAULT_CANARY_VERSION;
  // The services' own rule (a label value), checked here so a bad one fails before anything starts.
  if (!SERVICE_VERSION_PATTERN.test(version)) throw new Error(`canary version "${version}": ${SERVICE_VERSION_MESSAGE}`);
  return { ...options, version };
}

/**
 * Starts the whole local mesh in dependency order (Redis, the database, ai-pipeline and its
 * canary twin, automation-service and its canary twin, queue-worker, the frontend's static
 * files, gateway stand-in, then Prometheus when asked for and installed), each service from
 * its built dist/, and waits until each one is ready.
 */
export async function startMesh(opts: MeshOptions = {}): Promise<Mesh> {
  const root = opts.root ?? DEFAULT_ROOT;
  const ports: MeshPorts = { ...DEFAULT_PORTS, ...opts.ports };
  const dataDir = opts.dataDir ?? path.join(root, '.data');
  const logDir = path.join(dataDir, 'logs');
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const canary = resolveCanary(opts.canary);
  // Before anything starts: `required` without the binary fails here, with nothing to stop.
  const prometheusPlan = planPrometheus({
    mode: opts.prometheus ?? 'off',
    root,
    dataDir,
    ports,
    canary: canary !== undefined,
    scrapeInterval: opts.prometheusScrapeInterval,
  });
  const frontendDist = opts.frontendDist ?? defaultFrontendDist(root);
  const frontendNotice = opts.frontend === false ? 'not served (turned off)' : frontendMissing(frontendDist);
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

  const canaryUrl = (port: number) => (canary ? local(port) : undefined);
  const urls: MeshUrls = {
    gateway: local(ports.gateway),
    gatewayStatus: local(ports.gatewayStatus),
    gatewayAdmin: local(ports.gatewayAdmin),
    automation: local(ports.automation),
    automationMetrics: local(ports.automationMetrics),
    pipeline: local(ports.pipeline),
    pipelineMetrics: local(ports.pipelineMetrics),
    workerMetrics: local(ports.workerMetrics),
    canaryAutomation: canaryUrl(ports.canaryAutomation),
    canaryAutomationMetrics: canaryUrl(ports.canaryAutomationMetrics),
    canaryPipeline: canaryUrl(ports.canaryPipeline),
    canaryPipelineMetrics: canaryUrl(ports.canaryPipelineMetrics),
    redis: redis.url,
    database: database.url,
    prometheus: prometheusPlan.run ? prometheusPlan.url : undefined,
    frontend: frontendNotice === undefined ? local(ports.frontend) : undefined,
  };
  // DATABASE_URL after opts.env: the services use the database that was just migrated.
  const credentialsKey = ensureCredentialsKey({ ...process.env, ...opts.env }, dataDir);
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    CREDENTIALS_ENCRYPTION_KEY: credentialsKey.key,
    ...opts.env,
    DATABASE_URL: database.url,
  };
  // The stable services say so in their metrics, /health and version header, unless the mesh's env names a version.
  const stableEnv: NodeJS.ProcessEnv = { ...baseEnv, SERVICE_VERSION: opts.env?.SERVICE_VERSION || STABLE_VERSION };
  const automationTarget = `127.0.0.1:${ports.automation}`;
  const canaryAutomationTarget = canary ? `127.0.0.1:${ports.canaryAutomation}` : automationTarget;
  const pipelineEnv: NodeJS.ProcessEnv = { ...opts.serviceEnv?.['ai-pipeline'] };
  const automationEnv: NodeJS.ProcessEnv = { ...opts.serviceEnv?.['automation-service'] };
  // A canary twin runs as its stable one does (the caller's per-service settings too), then as
  // a canary, then with the caller's canary settings on top.
  const canaryEnv = (stable: NodeJS.ProcessEnv, own: NodeJS.ProcessEnv, name: 'ai-pipeline' | 'automation-service'): NodeJS.ProcessEnv => ({
    ...baseEnv,
    ...stable,
    SERVICE_VERSION: canary?.version ?? DEFAULT_CANARY_VERSION,
    ...own,
    ...canary?.env,
    ...canary?.serviceEnv?.[name],
  });
  const specs: Record<ServiceName, ServiceSpec> = {
    'ai-pipeline': {
      name: 'ai-pipeline',
      cwd: path.join(root, 'services', 'ai-pipeline'),
      env: { ...stableEnv, PORT: String(ports.pipeline), METRICS_PORT: String(ports.pipelineMetrics), ...pipelineEnv },
      readyUrl: `${urls.pipeline}/ready`,
    },
    'ai-pipeline-canary': {
      name: 'ai-pipeline-canary',
      cwd: path.join(root, 'services', 'ai-pipeline'),
      env: canaryEnv(
        pipelineEnv,
        { PORT: String(ports.canaryPipeline), METRICS_PORT: String(ports.canaryPipelineMetrics), FEATURE_BYPASS_LLM: 'true' },
        'ai-pipeline',
      ),
      readyUrl: `${local(ports.canaryPipeline)}/ready`,
    },
    'automation-service': {
      name: 'automation-service',
      cwd: path.join(root, 'services', 'automation-service'),
      env: {
        ...stableEnv,
        PORT: String(ports.automation),
        METRICS_PORT: String(ports.automationMetrics),
        AI_PIPELINE_URL: urls.pipeline,
        ...automationEnv,
      },
      readyUrl: `${urls.automation}/ready`,
    },
    'automation-service-canary': {
      name: 'automation-service-canary',
      cwd: path.join(root, 'services', 'automation-service'),
      env: canaryEnv(
        automationEnv,
        { PORT: String(ports.canaryAutomation), METRICS_PORT: String(ports.canaryAutomationMetrics), AI_PIPELINE_URL: local(ports.canaryPipeline) },
        'automation-service',
      ),
      readyUrl: `${local(ports.canaryAutomation)}/ready`,
    },
    'queue-worker': {
      name: 'queue-worker',
      cwd: path.join(root, 'services', 'queue-worker'),
      env: { ...stableEnv, METRICS_PORT: String(ports.workerMetrics), AI_PIPELINE_URL: urls.pipeline, ...opts.serviceEnv?.['queue-worker'] },
      readyUrl: `${urls.workerMetrics}/ready`,
    },
    gateway: {
      name: 'gateway',
      cwd: path.join(root, 'gateway', 'local'),
      env: {
        ...baseEnv,
        PORT: String(ports.gateway),
        STATUS_PORT: String(ports.gatewayStatus),
        ADMIN_PORT: String(ports.gatewayAdmin),
        GATEWAY_CONFIG: path.join(root, 'gateway', 'kong.yml'),
        // kong.yml's canary target leads to the canary automation-service when it runs, else
        // to the one local automation-service as the stable target does; the frontend's to the
        // launcher's static server (when it is not served: a 502 there).
        GATEWAY_TARGET_OVERRIDES: [
          `automation-service:3003=${automationTarget}`,
          `automation-service-canary:3003=${canaryAutomationTarget}`,
          `frontend:3100=127.0.0.1:${ports.frontend}`,
        ].join(','),
        ...opts.serviceEnv?.gateway,
      },
      readyUrl: `${urls.gatewayStatus}/status/ready`,
    },
  };

  const processOf = (name: MeshProcessName, spec: ServiceSpec) =>
    new ServiceProcess(
      spec,
      { logDir, echo: opts.echo ? (line) => opts.echo?.(name, line) : undefined },
      (_, code) => opts.onUnexpectedExit?.(name, code),
    );
  const services = {} as Record<ServiceName, ServiceProcess>;
  for (const name of SERVICE_NAMES) services[name] = processOf(name, specs[name]);
  const prometheus: MeshPrometheus = prometheusPlan.run
    ? {
        url: prometheusPlan.url,
        notice: undefined,
        configFile: prometheusPlan.configFile,
        storageDir: prometheusPlan.storageDir,
        process: processOf('prometheus', prometheusPlan.spec),
      }
    : { url: undefined, notice: prometheusPlan.notice, configFile: undefined, storageDir: undefined, process: undefined };

  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const startProcess = async (name: MeshProcessName, service: ServiceProcess): Promise<void> => {
    service.start();
    const died = service.waitForExit().then((code) => {
      throw new Error(`${name} exited with code ${code} before it was ready; last lines of ${service.logFile}:\n${service.tail()}`);
    });
    died.catch(() => undefined);
    await waitFor(name, () => httpOk(service.spec.readyUrl), { timeoutMs: readyTimeoutMs, abort: died });
  };

  const isCanary = (name: ServiceName): name is CanaryServiceName => (CANARY_SERVICE_NAMES as readonly string[]).includes(name);
  const runs = (name: ServiceName) => canary !== undefined || !isCanary(name);
  const startService = async (name: ServiceName): Promise<void> => {
    if (!runs(name)) throw new Error(`${name}: the mesh runs without the canary pair (start it with the canary option)`);
    await startProcess(name, services[name]);
  };
  const frontend: MeshFrontend = { url: urls.frontend, notice: frontendNotice, distDir: frontendDist };
  let frontendServer: FrontendServer | undefined;

  const stop = async (): Promise<void> => {
    try {
      // Prometheus first: it would only record the services going down.
      await prometheus.process?.stop();
      for (const name of [...SERVICE_NAMES].reverse()) {
        await services[name].stop();
        // After the gateway, which proxies to it.
        if (name === 'gateway') await frontendServer?.close();
      }
      await redis.stop();
    } finally {
      // Last, and whatever happened before: PGlite writes its files out on close.
      await database.stop();
    }
  };

  try {
    for (const name of SERVICE_NAMES.filter(runs)) {
      // Before the gateway, so its first proxied page finds it.
      if (name === 'gateway' && frontend.url) frontendServer = await startFrontend({ distDir: frontendDist, host: '127.0.0.1', port: ports.frontend });
      await startService(name);
    }
    // Last: its first scrape then finds every target up.
    if (prometheus.process) {
      await startProcess('prometheus', prometheus.process).catch((err: Error) => {
        throw new Error(`${err.message}\n(scripts/start: PROMETHEUS_PORT moves it to another port, PROMETHEUS=off runs the mesh without it)`);
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    urls,
    canary: canary ? { version: canary.version } : undefined,
    ports,
    redis,
    database,
    databaseUrl: database.url,
    devKey: database.devKey?.secret,
    services,
    prometheus,
    frontend,
    logDir,
    stopService: (name) => services[name].stop(),
    startService,
    stop,
  };
}
