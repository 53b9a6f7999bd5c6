#!/usr/bin/env node
/**
 * Bounded load for the canary rollout (scripts/canary_rollout.sh): POST ping at a fixed overall
 * rate for a fixed time through the gateway, with autocannon, and a JSON line of what came back:
 * status counts, and answers counted by the X-OpsConductor-Version header, which is how the
 * rollout measures the traffic split the gateway's weights make.
 *
 *   LOAD_API_KEY=… node bench/dist/load-cli.js --url http://127.0.0.1:3000/ai/execute --duration 10 --rate 50
 *
 * The key comes from LOAD_API_KEY, never from an argument (arguments show in `ps`).
 */
import type { EventEmitter } from 'node:events';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const VERSION_HEADER = 'x-opsconductor-version';
const USAGE = 'usage: LOAD_API_KEY=<key> load-cli --url <execute url> --duration <seconds> --rate <requests/s> [--connections <n>]';

export interface LoadSummary {
  requests: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  /** Answers by the version that served them (`unknown` when the header is missing). */
  versions: Record<string, number>;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  durationS: number;
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number (got '${value ?? ''}')`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`load-cli: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The value of one header in the parser's flat [name, value, name, value…] list. */
function headerValue(raw: unknown[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === name) return String(raw[i + 1]);
  }
  return undefined;
}

export function runBoundedLoad(opts: { url: string; durationS: number; rate: number; connections: number; apiKey: string }): Promise<LoadSummary> {
  const statuses: Record<string, number> = {};
  const versions: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: opts.url,
        method: 'POST',
        connections: opts.connections,
        overallRate: opts.rate,
        duration: opts.durationS,
        timeout: 10,
        body: JSON.stringify({ input: 'ping', tool: 'echo' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
        setupClient: (client) => {
          // @types/autocannon says the listener gets parsed headers; autocannon 9 passes the HTTP
          // parser's record ({statusCode, headers: [name, value, …]}), which is what we read.
          (client as unknown as EventEmitter).on('headers', (response: { statusCode: number; headers: unknown[] }) => {
            statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
            const version = headerValue(response.headers, VERSION_HEADER) ?? 'unknown';
            versions[version] = (versions[version] ?? 0) + 1;
          });
        },
      },
      (err, result) => {
        if (err) return reject(err as Error);
        const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
        resolve({ requests, statuses, versions, errors: result.errors, durationS: result.duration });
      },
    );
  });
}

async function main(): Promise<void> {
  let values: { url?: string; duration?: string; rate?: string; connections?: string };
  try {
    ({ values } = parseArgs({
      options: { url: { type: 'string' }, duration: { type: 'string' }, rate: { type: 'string' }, connections: { type: 'string', default: '4' } },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (!values.url || !/^https?:\/\//.test(values.url)) fail('--url must be an http(s) URL');
  const apiKey = process.env.LOAD_API_KEY;
  if (!apiKey) fail('LOAD_API_KEY is not set');
  const summary = await runBoundedLoad({
    url: values.url,
    durationS: positive('duration', values.duration),
    rate: positive('rate', values.rate),
    connections: Math.round(positive('connections', values.connections)),
    apiKey,
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`load-cli: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
