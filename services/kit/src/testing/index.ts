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
  const child = execFile('promtool', ['check', 'metrics'], { timeout: 10_000 });
  const done = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('promtool not found: install Debian package "prometheus"', { cause: err }) : err),
    );
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`promtool check metrics failed:\n${out}`))));
  });
  child.stdin?.end(exposition);
  return done;
}
export * from './sse-client';
export * from './recording-tracing';
