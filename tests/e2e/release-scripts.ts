/**
 * Running scripts/release_*.sh and scripts/canary*.sh as an operator does (`bash scripts/<name>`
 * from the repository root), with scripts/env/local.env's URLs pointed at a test mesh's random
 * ports by the environment variables that override the file.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Mesh } from '@opsconductor/mesh';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scripts/<script>` with bash. The developer's own OPSCONDUCTOR_* and CHROMIUM variables
 * are dropped first, so only `env` configures the run.
 */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ScriptRun> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OPSCONDUCTOR_') && name !== 'CHROMIUM'));
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(REPO_ROOT, 'scripts', script), ...args], { cwd: REPO_ROOT, env: { ...inherited, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

/** The summary table the scripts print last: check name → PASS, FAIL or SKIP. */
export function summaryTable(stdout: string): Record<string, string> {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^CHECK\s+RESULT\s+DETAIL$/.test(l));
  if (header === -1) throw new Error(`no summary table in:\n${stdout}`);
  const rows: Record<string, string> = {};
  for (const line of lines.slice(header + 2)) {
    const match = /^(\S+)\s+(PASS|FAIL|SKIP)\s/.exec(line);
    if (!match) break;
    rows[match[1]!] = match[2]!;
  }
  return rows;
}

/** The variables that point scripts/env/local.env at `mesh` (the canary's too when it runs). */
export function meshScriptEnv(mesh: Mesh): NodeJS.ProcessEnv {
  const { urls } = mesh;
  const env: NodeJS.ProcessEnv = {
    OPSCONDUCTOR_GATEWAY_URL: urls.gateway,
    OPSCONDUCTOR_GATEWAY_STATUS_URL: urls.gatewayStatus,
    OPSCONDUCTOR_GATEWAY_ADMIN_URL: urls.gatewayAdmin,
    OPSCONDUCTOR_AUTOMATION_URL: urls.automation,
    OPSCONDUCTOR_AUTOMATION_METRICS_URL: urls.automationMetrics,
    OPSCONDUCTOR_PIPELINE_URL: urls.pipeline,
    OPSCONDUCTOR_PIPELINE_METRICS_URL: urls.pipelineMetrics,
    OPSCONDUCTOR_WORKER_URL: urls.workerMetrics,
    OPSCONDUCTOR_PROMETHEUS_URL: urls.prometheus ?? '',
    OPSCONDUCTOR_CANARY_AUTOMATION_URL: urls.canaryAutomation,
    OPSCONDUCTOR_CANARY_AUTOMATION_METRICS_URL: urls.canaryAutomationMetrics,
    OPSCONDUCTOR_CANARY_PIPELINE_URL: urls.canaryPipeline,
    OPSCONDUCTOR_CANARY_PIPELINE_METRICS_URL: urls.canaryPipelineMetrics,
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
