/**
 * One measured autocannon run for the `echo` bench, and the CPU each process of the run spent
 * meanwhile (so a reader can see where the time goes).
 *
 * Latency percentiles come from every 2xx response's own time (autocannon's `response` event,
 * hrtime in ms with sub-ms resolution), not from autocannon's result: that one offers p50,
 * p90, p97.5 and p99 but no p95, and rounds to whole milliseconds.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { summary } from './stats';

/** The same ping body for every target. */
export const PING_BODY = JSON.stringify({ input: 'ping', tool: 'echo' });

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Sent with every request besides the content type (an API key for the automation-service). */
  headers?: Record<string, string>;
}

export interface LoadRun {
  /** 2xx answers per second over the measured window (autocannon's own start → finish). */
  rps: number;
  ok: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  /** Of the non-2xx answers, those refused by a rate limit (429). */
  throttled: number;
  timeouts: number;
  /** Socket errors other than timeouts (resets, refused). */
  socketErrors: number;
  durationS: number;
}

/** Closed-loop load: `connections` keep-alive connections, each sending as soon as it is answered. */
export function runLoad(opts: LoadOptions): Promise<LoadRun> {
  const samples: number[] = [];
  let throttled = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        method: 'POST',
        connections: opts.connections,
        duration: opts.durationS,
        body: PING_BODY,
        headers: { 'content-type': 'application/json', ...opts.headers },
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err as Error);
        const s = summary(samples);
        resolve({
          rps: result['2xx'] / result.duration,
          ok: result['2xx'],
          p50: s.p50,
          p95: s.p95,
          p99: s.p99,
          non2xx: result.non2xx,
          throttled,
          timeouts: result.timeouts,
          socketErrors: result.errors - result.timeouts,
          durationS: result.duration,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) samples.push(ms);
      else if (status === 429) throttled++;
    });
  });
}

/** CPU time (user + system, in seconds) a process has used so far; undefined off Linux. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: fields after the ")" of the command name; utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux this runs on.
    return ticks / 100;
  } catch {
    return undefined;
  }
}

/** Measures the share of one core each named process used between start() and stop(). */
export function cpuMeter(pids: Record<string, number | undefined>): { stop(): Record<string, number> } {
  const began = performance.now();
  const selfBefore = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : cpuSecondsOf(pid)]));
  return {
    stop() {
      const wallS = (performance.now() - began) / 1000;
      const self = process.cpuUsage(selfBefore);
      const shares: Record<string, number> = { 'load generator': (self.user + self.system) / 1e6 / wallS };
      for (const [name, pid] of Object.entries(pids)) {
        const start = before[name];
        const end = pid === undefined ? undefined : cpuSecondsOf(pid);
        if (start !== undefined && end !== undefined) shares[name] = (end - start) / wallS;
      }
      return shares;
    },
  };
}
