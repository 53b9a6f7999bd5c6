/**
 * Prometheus in the local mesh (DESIGN.md: "started if the `prometheus` binary is on PATH"): a
 * config rendered for the local ports with the job names and labels of
 * monitoring/prometheus/prometheus.yml, so the recording rules, alerts and dashboard queries
 * written for compose work unchanged against a developer's mesh.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MeshPorts } from './ports';
import type { ServiceSpec } from './service-process';

/**
 * `off`: the mesh runs without it. `if-installed`: started when the binary is on PATH, else a
 * notice (the `start` command). `required`: fails without the binary (a test that needs it).
 */
export type PrometheusMode = 'off' | 'if-installed' | 'required';

/**
 * Short, so a test sees every target `up` within seconds; rate()s over [5m] in the rules are
 * the same at 5 s as at compose's 15 s, and the rules are evaluated as often as scraped.
 */
export const LOCAL_SCRAPE_INTERVAL = '5s';

export const INSTALL_HINT = 'Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus';

/** The absolute path of `name` in the first PATH folder that has it executable, like `which`. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What the rendered config scrapes beyond the stable mesh, and how often. */
export interface PrometheusConfigOptions {
  /** The canary pair runs: its metrics ports join the stable jobs as `track="canary"` targets. */
  canary?: boolean;
  /** Scrape and rule evaluation interval (default LOCAL_SCRAPE_INTERVAL); a short canary test passes `1s`. */
  scrapeInterval?: string;
}

/** A Prometheus duration such as `1s`, `500ms` or `1m30s`. */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/**
 * The local twin of monitoring/prometheus/prometheus.yml: same job names, every target on
 * 127.0.0.1 at the mesh's ports (one queue-worker, and the gateway stand-in's status listener as
 * `kong`), the repository's rule files by absolute glob. Every target is `track="stable"`, as
 * compose's non-canary ones: the rules aggregate `by (job, track)`. With the canary on, its
 * automation-service and ai-pipeline are second targets of the same jobs with `track="canary"`,
 * as compose's canary automation-service is; without it, both of kong.yml's targets lead to
 * the one local automation-service.
 */
export function renderPrometheusConfig(ports: MeshPorts, rulesGlob: string, opts: PrometheusConfigOptions = {}): string {
  const interval = opts.scrapeInterval ?? LOCAL_SCRAPE_INTERVAL;
  if (!DURATION.test(interval)) throw new Error(`Prometheus scrape interval "${interval}": expected a duration such as 1s or 500ms`);
  const q = (value: string) => JSON.stringify(value); // a JSON string is a YAML double-quoted scalar
  const target = (port: number, track: 'stable' | 'canary') => [
    `      - targets: [${q(`127.0.0.1:${port}`)}]`,
    '        labels:',
    `          track: ${q(track)}`,
  ];
  const job = (name: string, port: number, canaryPort?: number) => [
    `  - job_name: ${q(name)}`,
    '    static_configs:',
    ...target(port, 'stable'),
    ...(opts.canary && canaryPort !== undefined ? target(canaryPort, 'canary') : []),
  ];
  return [
    '# Written by scripts/mesh at every start of the mesh (edits are lost): the local twin of',
    '# monitoring/prometheus/prometheus.yml, with the same job names and labels.',
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'rule_files:',
    `  - ${q(rulesGlob)}`,
    'scrape_configs:',
    ...job('automation-service', ports.automationMetrics, ports.canaryAutomationMetrics),
    ...job('ai-pipeline', ports.pipelineMetrics, ports.canaryPipelineMetrics),
    ...job('queue-worker', ports.workerMetrics),
    ...job('kong', ports.gatewayStatus),
    ...job('prometheus', ports.prometheus),
    '',
  ].join('\n');
}

export type PrometheusPlan =
  | { run: false; reason: 'off' | 'not-installed'; notice: string }
  | { run: true; spec: ServiceSpec; url: string; configFile: string; storageDir: string };

export interface PrometheusPlanOptions extends PrometheusConfigOptions {
  mode: PrometheusMode;
  root: string;
  dataDir: string;
  ports: MeshPorts;
  /** Where to look for the binary (default PATH). */
  searchPath?: string;
}

/**
 * Finds the binary and writes the config under `<dataDir>/prometheus` (the TSDB in its `data/`),
 * or says why the mesh runs without Prometheus; throws in `required` mode without the binary.
 */
export function planPrometheus(opts: PrometheusPlanOptions): PrometheusPlan {
  if (opts.mode === 'off') return { run: false, reason: 'off', notice: 'not started (turned off)' };
  const binary = findOnPath('prometheus', opts.searchPath);
  if (!binary) {
    const notice = `not started: \`prometheus\` is not on PATH (${INSTALL_HINT})`;
    if (opts.mode === 'required') throw new Error(`Prometheus ${notice}`);
    return { run: false, reason: 'not-installed', notice };
  }
  const home = path.join(opts.dataDir, 'prometheus');
  const storageDir = path.join(home, 'data');
  const configFile = path.join(home, 'prometheus.yml');
  mkdirSync(storageDir, { recursive: true });
  const rulesGlob = path.join(opts.root, 'monitoring', 'prometheus', 'rules', '*.yml');
  writeFileSync(configFile, renderPrometheusConfig(opts.ports, rulesGlob, { canary: opts.canary, scrapeInterval: opts.scrapeInterval }));
  const url = `http://127.0.0.1:${opts.ports.prometheus}`;
  return {
    run: true,
    url,
    configFile,
    storageDir,
    spec: {
      name: 'prometheus',
      cwd: home,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      readyUrl: `${url}/-/ready`,
      command: {
        file: binary,
        args: [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${storageDir}`,
          `--web.listen-address=127.0.0.1:${opts.ports.prometheus}`,
          // The latency histograms carry trace ids as exemplars (Grafana links them to Jaeger).
          '--enable-feature=exemplar-storage',
          // POST /-/reload picks up edited rule files without a restart; loopback only.
          '--web.enable-lifecycle',
          // Its info lines (some 30 at every start) would drown the services' in the terminal;
          // what matters still shows: a rule file that does not load, a rule that fails to evaluate.
          '--log.level=warn',
        ],
      },
    },
  };
}
