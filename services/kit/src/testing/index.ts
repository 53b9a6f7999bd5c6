/**
 * Helpers for the tests of every package (exported as `@opsconductor/kit/testing`; never
 * imported by service code).
 */
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';

/** A pino destination that keeps every line, so tests can read what was logged. */
export function captureLogs(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, text };
}

/**
 * Runs `promtool check metrics` on an exposition text. Resolves with promtool's findings
 * (empty when clean); rejects when promtool is missing, which is a broken machine, not a pass.
 */
export async function promtoolCheckMetrics(exposition: string): Promise<string> {
  const { code, output } = await runPromtoolCheckMetrics(exposition);
  if (code !== 0) throw new Error(`promtool check metrics failed:\n${output}`);
  return output.trim();
}

/**
 * What promtool finds in Kong's own metric names (Kong 3.x's prometheus plugin, copied by the
 * gateway stand-in): naming rules Kong breaks, not a broken exposition.
 */
export const KONG_PROMTOOL_NAMING_FINDINGS: ReadonlySet<string> = new Set([
  'kong_bandwidth_bytes counter metrics should have "_total" suffix',
  'kong_nginx_connections_total non-counter metrics should not have "_total" suffix',
  'kong_nginx_requests_total non-counter metrics should not have "_total" suffix',
  'kong_kong_latency_ms metric names should not contain abbreviated units',
  'kong_upstream_latency_ms metric names should not contain abbreviated units',
  'kong_request_latency_ms metric names should not contain abbreviated units',
]);

/**
 * The findings of `promtool check metrics` on a Kong exposition that are not Kong's known
 * naming ones, and whether the format itself parsed (exit 0, or 3 for lint findings only).
 */
export async function kongPromtoolFindings(exposition: string): Promise<{ parsed: boolean; unexpected: string[] }> {
  const { code, output } = await runPromtoolCheckMetrics(exposition);
  const findings = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return { parsed: code === 0 || code === 3, unexpected: findings.filter((f) => !KONG_PROMTOOL_NAMING_FINDINGS.has(f)) };
}

/** `promtool check metrics` with its exit code and output. */
export function runPromtoolCheckMetrics(exposition: string): Promise<{ code: number | null; output: string }> {
  const child = execFile('promtool', ['check', 'metrics'], { timeout: 10_000 });
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('promtool not found: install Debian package "prometheus"', { cause: err }) : err),
    );
    child.on('close', (code) => resolve({ code, output }));
  });
  child.stdin?.end(exposition);
  return done;
}

export * from './exposition';
export * from './sse-client';
export * from './recording-tracing';
