import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root: every tool runs from there, as CI and the README do. */
export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunToolOptions {
  /** The Debian package that provides the command, named in the failure when it is missing. */
  debianPackage: string;
  cwd?: string;
  /** The tool's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Kill the tool after this many ms (default 30000). */
  timeoutMs?: number;
}

/**
 * Runs a validator CLI and reports its exit code and output. A missing tool fails the test with
 * the package to install (never a skip: CI installs the same Debian packages), and so does a
 * tool that hangs past the timeout.
 */
export async function runTool(command: string, args: readonly string[], opts: RunToolOptions): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs ?? 30_000,
      maxBuffer: 8 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string; killed?: boolean; code?: number | string };
    if (e.code === 'ENOENT') {
      throw new Error(`"${command}" is not installed: install the Debian package ${opts.debianPackage} (apt-get install -y ${opts.debianPackage})`, { cause: err });
    }
    if (e.killed) throw new Error(`"${command} ${args.join(' ')}" did not finish within ${opts.timeoutMs ?? 30_000} ms`, { cause: err });
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
