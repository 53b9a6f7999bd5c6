import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { ComposeFile, ComposeService } from './compose-config';
import { COMPOSE_FILE, containerPort, loadRawCompose, loadResolvedCompose, mount, publishedPort, startedServices } from './compose-config';
import { REPO_ROOT, runTool } from './run-tool';

const COMPOSE = { debianPackage: 'docker-compose' };

/** DESIGN.md "Ports and names": what each service listens on inside the compose network. */
const CONTAINER_PORTS: Record<string, number[]> = {
  kong: [3000, 8100, 8001],
  'automation-service': [3003, 9091],
  'automation-service-canary': [3003, 9091],
  'ai-pipeline': [8001, 9092],
  'ai-pipeline-canary': [8001, 9092],
  'queue-worker': [9093],
  redis: [6379],
  postgres: [5432],
  prometheus: [9090],
  grafana: [3200],
  jaeger: [16686, 4318],
  frontend: [3100],
  mailpit: [8025, 1025],
};

/** The host ports a developer opens, at their defaults. */
const PUBLISHED: Record<string, number[]> = {
  // Proxy, status and (loopback only, for scripts/canary.sh) the Admin API.
  kong: [3000, 8100, 8101],
  redis: [6379],
  postgres: [5432],
  prometheus: [9090],
  grafana: [3200],
  jaeger: [16686],
  frontend: [3100],
  // The development mail sink's web UI.
  mailpit: [8025],
};

/** The services built from this repository (services/Dockerfile); every other one is a vendor image. */
const NODE_SERVICES = ['automation-service', 'automation-service-canary', 'ai-pipeline', 'ai-pipeline-canary', 'queue-worker'];

/** The `canary` profile's services, each with the stable twin whose image it runs. */
const CANARY_TWINS: Record<string, string> = {
  'automation-service-canary': 'automation-service',
  'ai-pipeline-canary': 'ai-pipeline',
};
const CANARY_PAIR = Object.keys(CANARY_TWINS).sort();
const STABLE_NODE_SERVICES = NODE_SERVICES.filter((name) => !(name in CANARY_TWINS));

/** The automation-service upstream of gateway/kong.yml (the targets canary tooling re-weights). */
interface KongTarget {
  target: string;
  weight: number;
  tags?: string[];
}

function kongUpstreamTargets(): KongTarget[] {
  const kong = parse(readFileSync(path.join(REPO_ROOT, 'gateway/kong.yml'), 'utf8')) as { upstreams?: { name: string; targets?: KongTarget[] }[] };
  return kong.upstreams?.find((u) => u.name === 'automation-service-upstream')?.targets ?? [];
}

/** A build section with its build args (compose-config's type leaves args out). */
interface NodeBuild {
  context: string;
  dockerfile?: string;
  args?: Record<string, string>;
}

function listenPorts(service: ComposeService): number[] {
  return [...(service.ports ?? []).map(containerPort), ...(service.expose ?? []).map(Number)];
}

function env(service: ComposeService | undefined): Record<string, string | null> {
  return service?.environment ?? {};
}

/** `--name=value` arguments of a command, by name (a bare `--name` has the value ''). */
function flags(service: ComposeService | undefined): Record<string, string> {
  const command = service?.command;
  const args = Array.isArray(command) ? command : [];
  return Object.fromEntries(args.filter((a) => a.startsWith('--')).map((a) => [a.slice(2).split('=')[0], a.includes('=') ? a.slice(a.indexOf('=') + 1) : '']));
}

describe('docker-compose.yml', () => {
  let resolved: ComposeFile;

  function build(name: string): NodeBuild {
    return (resolved.services[name]?.build ?? { context: '' }) as NodeBuild;
  }

  beforeAll(async () => {
    resolved = await loadResolvedCompose();
  });

  describe('validation by docker-compose', () => {
    it('passes `docker-compose config -q` without any warning', async () => {
      const result = await runTool('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q'], COMPOSE);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    });

    it('passes `docker-compose --profile canary config -q` without any warning', async () => {
      const result = await runTool('docker-compose', ['-f', COMPOSE_FILE, '--profile', 'canary', 'config', '-q'], COMPOSE);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    });

    it('is a validator that rejects a misspelt depends_on condition', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'compose-check-'));
      try {
        const file = path.join(dir, 'docker-compose.yml');
        const bad = 'services:\n  a:\n    image: redis:7\n    depends_on:\n      b:\n        condition: service_healty\n  b:\n    image: redis:7\n';
        await writeFile(file, bad);
        const result = await runTool('docker-compose', ['-f', file, 'config', '-q'], { ...COMPOSE, cwd: dir });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain('service_healty');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('services', () => {
    it('defines the mesh of DESIGN.md under the names gateway/kong.yml resolves', () => {
      expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(CONTAINER_PORTS).sort());
    });

    it('gives every service a healthcheck', () => {
      const missing = Object.entries(resolved.services)
        .filter(([, s]) => !s.healthcheck || s.healthcheck.disable === true || !s.healthcheck.test)
        .map(([name]) => name);
      expect(missing).toEqual([]);
    });

    it('waits for every dependency to be healthy, and only on services that exist', () => {
      for (const [name, service] of Object.entries(resolved.services)) {
        const deps = service.depends_on ?? {};
        expect(Array.isArray(deps)).toBe(false);
        for (const [dep, spec] of Object.entries(deps as Record<string, { condition: string }>)) {
          expect({ service: name, dep, condition: spec.condition }).toEqual({ service: name, dep, condition: 'service_healthy' });
          expect(resolved.services[dep]?.healthcheck).toBeDefined();
        }
      }
    });

    it('listens on the ports of DESIGN.md', () => {
      for (const [name, ports] of Object.entries(CONTAINER_PORTS)) {
        expect({ name, ports: listenPorts(resolved.services[name]!).sort() }).toEqual({ name, ports: expect.arrayContaining(ports) });
      }
    });

    it('publishes only the entry points and tools, on 127.0.0.1 and the default ports', () => {
      for (const [name, service] of Object.entries(resolved.services)) {
        const published = (service.ports ?? []).map(publishedPort);
        expect({ name, published }).toEqual({ name, published: PUBLISHED[name] ?? [] });
        for (const port of service.ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
      }
    });
  });

  describe('kong', () => {
    it('runs Kong 3.9 DB-less from the mounted gateway/kong.yml', () => {
      const kong = resolved.services.kong!;
      expect(kong.image).toBe('kong:3.9');
      expect(env(kong)).toMatchObject({
        KONG_DATABASE: 'off',
        KONG_DECLARATIVE_CONFIG: '/kong/kong.yml',
        KONG_PROXY_LISTEN: '0.0.0.0:3000',
        KONG_STATUS_LISTEN: '0.0.0.0:8100',
      });
      const mounts = (kong.volumes ?? []).map(mount);
      expect(mounts).toContainEqual({ source: path.join(REPO_ROOT, 'gateway/kong.yml'), target: '/kong/kong.yml', readOnly: true });
    });

    it('traces every request through every phase, for the opentelemetry plugin of kong.yml', () => {
      expect(env(resolved.services.kong)).toMatchObject({ KONG_TRACING_INSTRUMENTATIONS: 'all', KONG_TRACING_SAMPLING_RATE: '1.0' });
    });

    it('serves its Admin API (POST /config for scripts/canary.sh) published on the host loopback only, as KONG_ADMIN_PORT', () => {
      const kong = resolved.services.kong!;
      expect(env(kong).KONG_ADMIN_LISTEN).toBe('0.0.0.0:8001');
      const admin = (kong.ports ?? []).filter((p) => containerPort(p) === 8001);
      expect(admin.map((p) => ({ hostIp: String(p).split(':')[0], published: publishedPort(p) }))).toEqual([{ hostIp: '127.0.0.1', published: 8101 }]);
      expect(loadRawCompose().services.kong!.ports).toContain('127.0.0.1:${KONG_ADMIN_PORT:-8101}:8001');
    });

    it('is healthy by `kong health` and starts after a healthy automation-service', () => {
      const kong = resolved.services.kong!;
      expect(kong.healthcheck?.test).toEqual(['CMD', 'kong', 'health']);
      expect(kong.depends_on).toMatchObject({ 'automation-service': { condition: 'service_healthy' } });
    });
  });

  describe('canary profile', () => {
    it('holds the canary pair alone, and only under the profile', () => {
      const profiled = Object.entries(resolved.services).filter(([, s]) => s.profiles !== undefined);
      expect(Object.fromEntries(profiled.map(([name, s]) => [name, s.profiles]))).toEqual(Object.fromEntries(CANARY_PAIR.map((name) => [name, ['canary']])));
      expect(startedServices(resolved)).toEqual(Object.keys(CONTAINER_PORTS).filter((name) => !CANARY_PAIR.includes(name)).sort());
      expect(startedServices(resolved, ['canary'])).toEqual(Object.keys(CONTAINER_PORTS).sort());
    });

    it('never makes a service of the default mesh wait on one that only the profile starts', () => {
      const always = startedServices(resolved);
      for (const name of always) {
        const deps = Object.keys((resolved.services[name]!.depends_on ?? {}) as Record<string, unknown>);
        expect({ name, missing: deps.filter((d) => !always.includes(d)) }).toEqual({ name, missing: [] });
      }
    });

    it('runs each canary as the same image and build as its stable twin', () => {
      for (const [canary, stable] of Object.entries(CANARY_TWINS)) {
        const [c, s] = [resolved.services[canary]!, resolved.services[stable]!];
        expect({ canary, image: c.image, build: c.build }).toEqual({ canary, image: s.image, build: s.build });
      }
      expect(resolved.services['ai-pipeline-canary']!.image).toBe('opsconductor/ai-pipeline:local');
      expect(resolved.services['automation-service-canary']!.image).toBe('opsconductor/automation-service:local');
    });

    it('gives the canary automation-service the stable env but its own pipeline and version', () => {
      expect(env(resolved.services['automation-service-canary'])).toEqual({
        ...env(resolved.services['automation-service']),
        AI_PIPELINE_URL: 'http://ai-pipeline-canary:8001',
        SERVICE_VERSION: 'canary',
      });
    });

    it('gives the canary ai-pipeline the stable env but the LLM bypassed (the seed\'s canary plan) and its own version', () => {
      expect(env(resolved.services['ai-pipeline-canary'])).toEqual({
        ...env(resolved.services['ai-pipeline']),
        FEATURE_BYPASS_LLM: 'true',
        SERVICE_VERSION: 'canary',
      });
      // Not the host's FEATURE_BYPASS_LLM: a literal in the file.
      expect(loadRawCompose().services['ai-pipeline-canary']!.environment).toMatchObject({ FEATURE_BYPASS_LLM: 'true' });
    });

    it('starts the canary automation-service after its own healthy ai-pipeline, Redis and PostgreSQL', () => {
      expect(resolved.services['automation-service-canary']!.depends_on).toEqual({
        'ai-pipeline-canary': { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
    });

    it('names in kong.yml a weight-0 canary target that only the profile starts, and a stable one always started', () => {
      const byTrack = Object.fromEntries(kongUpstreamTargets().map((t) => [(t.tags ?? []).includes('canary') ? 'canary' : 'stable', t]));
      expect(byTrack.canary).toMatchObject({ target: 'automation-service-canary:3003', weight: 0 });
      expect(byTrack.stable).toMatchObject({ target: 'automation-service:3003' });
      expect(CANARY_PAIR).toContain(byTrack.canary!.target.split(':')[0]);
      expect(startedServices(resolved)).toContain(byTrack.stable!.target.split(':')[0]);
    });
  });

  describe('versions', () => {
    it('names the stable services OPSCONDUCTOR_VERSION and the canary pair CANARY_VERSION, in SERVICE_VERSION', () => {
      const raw = loadRawCompose().services;
      const versions = Object.fromEntries(NODE_SERVICES.map((name) => [name, raw[name]!.environment?.SERVICE_VERSION]));
      expect(versions).toEqual({
        ...Object.fromEntries(STABLE_NODE_SERVICES.map((name) => [name, '${OPSCONDUCTOR_VERSION:-stable}'])),
        ...Object.fromEntries(CANARY_PAIR.map((name) => [name, '${CANARY_VERSION:-canary}'])),
      });
    });

    it('resolves them from the environment, each track apart', async () => {
      const set = await loadResolvedCompose({ variables: { OPSCONDUCTOR_VERSION: '1.4.2', CANARY_VERSION: '1.5.0-rc.1' } });
      const versions = Object.fromEntries(NODE_SERVICES.map((name) => [name, env(set.services[name]).SERVICE_VERSION]));
      expect(versions).toEqual({
        ...Object.fromEntries(STABLE_NODE_SERVICES.map((name) => [name, '1.4.2'])),
        ...Object.fromEntries(CANARY_PAIR.map((name) => [name, '1.5.0-rc.1'])),
      });
    });
  });

  describe('mailpit (the development mail sink)', () => {
    it('receives what the email tools send by default, and shows it on the loopback web UI', () => {
      const pipeline = env(resolved.services['ai-pipeline']);
      expect(pipeline.SMTP_SINK_URL).toBe('smtp://mailpit:1025');
      const sink = new URL(pipeline.SMTP_SINK_URL as string);
      expect(listenPorts(resolved.services[sink.hostname]!)).toContain(Number(sink.port));
      expect(resolved.services.mailpit!.environment).toMatchObject({ MP_SMTP_AUTH_ACCEPT_ANY: 'true' });
      expect(resolved.services.mailpit!.healthcheck?.test).toEqual(['CMD', '/mailpit', 'readyz']);
    });

    it('takes the credentials key from the host only, never from the file', () => {
      const raw = loadRawCompose() as unknown as { 'x-ai-pipeline-env': Record<string, unknown> };
      expect(raw['x-ai-pipeline-env']).toHaveProperty('CREDENTIALS_ENCRYPTION_KEY', null);
    });
  });

  describe('frontend', () => {
    it('is built from frontend/Dockerfile with the repository root as context (the pnpm workspace)', () => {
      const { context, dockerfile } = build('frontend');
      expect({ context, dockerfile }).toEqual({ context: REPO_ROOT, dockerfile: 'frontend/Dockerfile' });
      expect(existsSync(path.join(REPO_ROOT, 'frontend/Dockerfile'))).toBe(true);
      expect(resolved.services.frontend!.image).toBe('opsconductor/frontend:local');
    });

    it('listens where frontend/nginx.conf does, and kong.yml sends the frontend route there', () => {
      const nginx = readFileSync(path.join(REPO_ROOT, 'frontend/nginx.conf'), 'utf8');
      expect([...nginx.matchAll(/^\s*listen\s+(\d+);/gm)].map((m) => Number(m[1]))).toEqual([3100]);
      expect(listenPorts(resolved.services.frontend!)).toEqual([3100, 3100]);
      const kong = readFileSync(path.join(REPO_ROOT, 'gateway/kong.yml'), 'utf8');
      expect(kong).toContain('- target: frontend:3100');
    });

    it('is probed on its own page with wget (the alpine image has no curl), and Kong starts after it is healthy', () => {
      expect(resolved.services.frontend!.healthcheck?.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:3100/']);
      expect(resolved.services.kong!.depends_on).toMatchObject({ frontend: { condition: 'service_healthy' } });
    });

    it('publishes its port as FRONTEND_PORT, the variable scripts/start reads', () => {
      const raw = loadRawCompose().services.frontend!;
      expect(raw.ports).toEqual(['127.0.0.1:${FRONTEND_PORT:-3100}:3100']);
    });
  });

  describe('node services', () => {
    it('builds the node services from services/Dockerfile with the repository root as context; nothing else but the frontend is built', () => {
      const built = Object.entries(resolved.services).filter(([, s]) => s.build !== undefined).map(([name]) => name);
      expect(built.sort()).toEqual([...NODE_SERVICES, 'frontend'].sort());
      for (const name of NODE_SERVICES) {
        const { context, dockerfile } = build(name);
        expect({ name, context, dockerfile }).toEqual({ name, context: REPO_ROOT, dockerfile: 'services/Dockerfile' });
      }
    });

    it('names in SERVICE an existing folder under services/ whose package is @opsconductor/<SERVICE>', () => {
      for (const name of NODE_SERVICES) {
        const service = build(name).args?.SERVICE ?? '';
        expect({ name, service }).toEqual({ name, service: expect.stringMatching(/^[a-z0-9][a-z0-9-]*$/) });
        const manifest = path.join(REPO_ROOT, 'services', service, 'package.json');
        expect({ name, manifest, exists: existsSync(manifest) }).toEqual({ name, manifest, exists: true });
        const packageName = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
        expect({ name, packageName }).toEqual({ name, packageName: `@opsconductor/${service}` });
      }
    });

    it('bakes in the PORT and METRICS_PORT its environment sets', () => {
      for (const name of NODE_SERVICES) {
        const { PORT, METRICS_PORT } = build(name).args ?? {};
        const environment = env(resolved.services[name]);
        expect({ name, PORT, METRICS_PORT }).toEqual({ name, PORT: environment.PORT, METRICS_PORT: environment.METRICS_PORT });
        expect(PORT).toMatch(/^\d+$/);
        expect(METRICS_PORT).toMatch(/^\d+$/);
      }
    });

    it('wires each automation-service to its own ai-pipeline, and to Redis and Jaeger, by service name', () => {
      const pipelines = { 'automation-service': 'ai-pipeline', 'automation-service-canary': 'ai-pipeline-canary' };
      for (const [name, pipeline] of Object.entries(pipelines)) {
        expect({ name, env: env(resolved.services[name]) }).toMatchObject({
          name,
          env: {
            PORT: '3003',
            METRICS_PORT: '9091',
            AI_PIPELINE_URL: `http://${pipeline}:8001`,
            REDIS_URL: 'redis://redis:6379',
            OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
          },
        });
        expect(listenPorts(resolved.services[pipeline]!)).toContain(8001);
      }
    });

    it('sends the traces of every node service to Jaeger over OTLP/HTTP, on a port Jaeger listens on', () => {
      for (const name of NODE_SERVICES) {
        expect({ name, endpoint: env(resolved.services[name]).OTEL_EXPORTER_OTLP_ENDPOINT }).toEqual({ name, endpoint: 'http://jaeger:4318' });
      }
      expect(listenPorts(resolved.services.jaeger!)).toContain(4318);
    });

    it('gives the automation-service and the queue-worker one database, and the guardrails their defaults', () => {
      const url = 'postgres://opsconductor:opsconductor-local@postgres:5432/opsconductor';
      for (const name of ['automation-service', 'automation-service-canary']) {
        expect(env(resolved.services[name])).toMatchObject({ DATABASE_URL: url, ACTIONS_ENABLED: 'true', ALLOW_ACTIONS_DEFAULT: '*', RATE_LIMIT_PER_MINUTE: '100' });
      }
      expect(env(resolved.services['queue-worker'])).toMatchObject({ DATABASE_URL: url });
    });

    it('gives each ai-pipeline that database too (task.create writes there), started after a healthy PostgreSQL', () => {
      const url = 'postgres://opsconductor:opsconductor-local@postgres:5432/opsconductor';
      for (const name of ['ai-pipeline', 'ai-pipeline-canary']) {
        expect(env(resolved.services[name])).toMatchObject({ DATABASE_URL: url });
        expect(resolved.services[name]!.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
      }
    });

    it('configures ai-pipeline with the LLM bypass off by default', () => {
      expect(env(resolved.services['ai-pipeline'])).toMatchObject({
        PORT: '8001',
        METRICS_PORT: '9092',
        FEATURE_BYPASS_LLM: 'false',
        AI_MODEL: 'gpt-4o-mini',
      });
    });

    it('stops them later than their 10s shutdown grace, so in-flight requests drain', () => {
      for (const name of NODE_SERVICES) {
        const grace = resolved.services[name]!.stop_grace_period ?? '10s';
        expect({ name, grace }).toEqual({ name, grace: expect.stringMatching(/^\d+s$/) });
        expect(Number.parseInt(grace, 10)).toBeGreaterThan(10);
      }
    });
  });

  describe('data stores', () => {
    it('runs Redis 7 with an AOF fsynced every second, on a volume, probed by PING', () => {
      const redis = resolved.services.redis!;
      expect(redis.image).toMatch(/^redis:7(\b|$)/);
      const command = Array.isArray(redis.command) ? redis.command.join(' ') : String(redis.command);
      expect(command).toContain('--appendonly yes');
      expect(command).toContain('--appendfsync everysec');
      expect((redis.volumes ?? []).map(mount).map((m) => m.target)).toContain('/data');
      expect(JSON.stringify(redis.healthcheck?.test)).toContain('redis-cli ping');
    });

    it('runs PostgreSQL 16 on a volume, probed by pg_isready', () => {
      const postgres = resolved.services.postgres!;
      expect(postgres.image).toBe('postgres:16');
      expect((postgres.volumes ?? []).map(mount).map((m) => m.target)).toContain('/var/lib/postgresql/data');
      expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
    });
  });

  describe('monitoring', () => {
    it('runs Prometheus on the mounted monitoring/prometheus.yml and its volume, with exemplar storage', () => {
      const prometheus = resolved.services.prometheus!;
      const args = flags(prometheus);
      const mounts = (prometheus.volumes ?? []).map(mount);
      // The command replaces the image's: the config and the storage must be named again.
      const config = args['config.file'] ?? '';
      const configMount = mounts.find((m) => config.startsWith(`${m.target}/`));
      expect(configMount).toEqual({ source: path.join(REPO_ROOT, 'monitoring/prometheus'), target: '/etc/prometheus', readOnly: true });
      expect(existsSync(path.join(configMount!.source, path.relative(configMount!.target, config)))).toBe(true);
      expect(mounts).toContainEqual({ source: 'prometheus-data', target: args['storage.tsdb.path'], readOnly: false });
      expect((args['enable-feature'] ?? '').split(',')).toContain('exemplar-storage');
    });

    it('starts Grafana after its data sources, Prometheus and Jaeger, are healthy', () => {
      expect(resolved.services.grafana!.depends_on).toEqual({
        prometheus: { condition: 'service_healthy' },
        jaeger: { condition: 'service_healthy' },
      });
    });
  });

  describe('secrets', () => {
    it('takes every password, key and token from the environment, never from the file', () => {
      const raw = loadRawCompose();
      const offenders: string[] = [];
      for (const [name, service] of Object.entries(raw.services)) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (value === null) continue; // passed through from the host
          const text = String(value);
          const secretName = /(PASSWORD|SECRET|API_KEY|TOKEN)$/.test(key);
          if (secretName && !/^\$\{[A-Z0-9_]+(:-[^}]*)?\}$/.test(text)) offenders.push(`${name}.${key}`);
          // A URL with credentials must take its password from a variable too.
          const credentials = /:\/\/[^/:@\s]+:([^@\s]+)@/.exec(text);
          if (credentials && !credentials[1]!.startsWith('${')) offenders.push(`${name}.${key}`);
        }
      }
      expect(offenders).toEqual([]);
    });

    it('passes the LLM key and endpoint through from the host, with no value in the file', () => {
      for (const name of ['ai-pipeline', 'ai-pipeline-canary']) {
        const aiEnv = loadRawCompose().services[name]!.environment ?? {};
        expect(aiEnv).toHaveProperty('AI_API_KEY', null);
        expect(aiEnv).toHaveProperty('AI_BASE_URL', null);
      }
    });
  });
});
