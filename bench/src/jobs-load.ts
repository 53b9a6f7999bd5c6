/**
 * The two ways the jobs bench submits echo jobs to POST /ai/jobs: a fixed number of busy
 * submitters (autocannon, closed loop) for the most the mesh can take, and submissions on a
 * fixed schedule (open loop) for latency at a known rate. Each submission carries the API key
 * of its workspace (`authorizations`: one `Bearer …` per workspace, used round-robin).
 */
import http from 'node:http';
import autocannon from 'autocannon';

export const SUBMIT_BODY = JSON.stringify({ action: 'echo', params: { input: 'ping' } });

export const submitHeaders = (authorization: string): Record<string, string> => ({
  'content-type': 'application/json',
  authorization,
});

export interface ClosedLoopRun {
  /** performance.now() of each accepted (202) submission's answer. */
  accepted: number[];
  /** Answers other than 202, and socket errors. */
  errors: number;
  /** Of the errors, the answers refused by a rate limit (429). */
  throttled: number;
  startedAt: number;
}

/** `connections` submitters, each sending its next job as soon as the last one is answered. */
export function submitClosedLoop(url: string, authorizations: string[], connections: number, durationS: number): Promise<ClosedLoopRun> {
  const run: ClosedLoopRun = { accepted: [], errors: 0, throttled: 0, startedAt: performance.now() };
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/ai/jobs`,
        method: 'POST',
        connections,
        duration: durationS,
        body: SUBMIT_BODY,
        headers: submitHeaders(authorizations[0] as string),
        // Round-robin over the workspaces, so jobs land in several queue partitions.
        requests: [{ setupRequest: (req) => ({ ...req, headers: submitHeaders(authorizations[next++ % authorizations.length] as string) }) }],
      },
      (err) => (err ? reject(err as Error) : resolve(run)),
    );
    instance.on('response', (_client, status) => {
      if (status === 202) {
        run.accepted.push(performance.now());
      } else {
        run.errors++;
        if (status === 429) run.throttled++;
      }
    });
    instance.on('reqError', () => run.errors++);
  });
}

export interface OpenLoopRun {
  /** Intended send time (performance.now()) of each accepted job, by job id. */
  scheduledAt: Map<string, number>;
  errors: number;
  /** Of the errors, the answers refused by a rate limit (429). */
  throttled: number;
  startedAt: number;
}

/**
 * Sends one job every 1/rate s for `durationS`, whether or not earlier ones were answered.
 * Latency is counted from the intended send time, so a stall on our side cannot hide a slow
 * answer (no coordinated omission).
 */
export async function submitOpenLoop(url: string, authorizations: string[], rate: number, durationS: number): Promise<OpenLoopRun> {
  const target = new URL(`${url}/ai/jobs`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const run: OpenLoopRun = { scheduledAt: new Map(), errors: 0, throttled: 0, startedAt: performance.now() };
  const total = Math.round(rate * durationS);
  const inFlight = new Set<Promise<void>>();

  const send = (i: number, at: number): void => {
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: submitHeaders(authorizations[i % authorizations.length] as string) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 202) run.scheduledAt.set((JSON.parse(Buffer.concat(chunks).toString()) as { job_id: string }).job_id, at);
            else {
              run.errors++;
              if (res.statusCode === 429) run.throttled++;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        run.errors++;
        resolve();
      });
      req.end(SUBMIT_BODY);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  let i = 0;
  while (i < total) {
    const now = performance.now();
    // Everything due by now goes out at once; then sleep until the next one is due.
    while (i < total && run.startedAt + (i * 1000) / rate <= now) {
      send(i, run.startedAt + (i * 1000) / rate);
      i++;
    }
    const wait = run.startedAt + (i * 1000) / rate - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.floor(wait))));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return run;
}
