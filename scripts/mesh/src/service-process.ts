import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceSpec {
  name: string;
  /** The package folder; the process runs `node --require ./dist/instrument.js dist/main.js` there. */
  cwd: string;
  /** Another program instead (Prometheus): its absolute path and arguments, run in `cwd`. */
  command?: { file: string; args: string[] };
  env: NodeJS.ProcessEnv;
  /** GET answers 2xx once the service can take traffic. */
  readyUrl: string;
}

export interface ServiceOutput {
  /** Each log line is appended to `<logDir>/<name>.log`. */
  logDir: string;
  /** Also echo each line, prefixed with the service name (the `start` command does). */
  echo?: (line: string) => void;
}

/** One running process of the mesh: a service started from its built `dist/`, or a `command`. */
export class ServiceProcess {
  readonly spec: ServiceSpec;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private stopping = false;
  private readonly onUnexpectedExit: (name: string, code: number | null) => void;
  private readonly output: ServiceOutput;

  constructor(spec: ServiceSpec, output: ServiceOutput, onUnexpectedExit: (name: string, code: number | null) => void) {
    this.spec = spec;
    this.output = output;
    this.onUnexpectedExit = onUnexpectedExit;
    this.logFile = path.join(output.logDir, `${spec.name}.log`);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process; rejects at once when it has not been built. */
  start(): void {
    const { command } = this.spec;
    const main = path.join(this.spec.cwd, 'dist', 'main.js');
    if (!command && !existsSync(main)) throw new Error(`${this.spec.name} is not built (${main} missing): run \`pnpm build\``);
    mkdirSync(this.output.logDir, { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.stopping = false;
    const [file, args] = command ? [command.file, command.args] : [process.execPath, ['--require', './dist/instrument.js', 'dist/main.js']];
    const child = spawn(file, args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches only the launcher, which then stops the
      // services one by one; otherwise each would get SIGINT and then the launcher's SIGTERM,
      // which a service takes as "second signal, exit now".
      detached: true,
    });
    this.child = child;
    // If the launcher itself dies, it takes its services with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        this.output.echo?.(line);
      });
    }
    this.exited = new Promise((resolve) => {
      // A program that cannot be run (gone since it was found on PATH) gives 'error' and no 'exit'.
      child.once('error', (err) => {
        if (child.pid !== undefined) return; // a failed kill() of a running process: 'exit' still comes
        log.end(`${err.message}\n`);
        resolve(127);
        if (!this.stopping) this.onUnexpectedExit(this.spec.name, 127);
      });
      child.once('exit', (code, signal) => {
        log.end();
        resolve(code ?? (signal ? null : 0));
        if (!this.stopping) this.onUnexpectedExit(this.spec.name, code);
      });
    });
  }

  /** The last `count` lines the process wrote, for error messages. */
  tail(count = 15): string {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  }

  /** Resolves (never rejects) when the process exits, with its exit code. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /**
   * SIGTERM (the service drains), then SIGKILL if it has not exited within `graceMs`.
   * Resolves with the exit code (null when it had to be killed).
   */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.child || !this.running) return this.exited;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(killer);
    return code;
  }
}
