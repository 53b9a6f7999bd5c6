/**
 * What scrubbing every log line costs: 100,000 lines per scenario written by pino with the
 * options createLogger uses, once without the streamWrite hook and once with it, to /dev/null
 * (synchronously, so the write is counted and nothing queues), and the hook alone on the lines
 * pino serialized. Prints one table.
 *
 *   pnpm --filter @opsconductor/kit run build && node services/kit/scripts/bench-log-scrub.js [lines]
 */
const { randomUUID, randomBytes } = require('node:crypto');
const pino = require('pino');
const { pinoOptions } = require('../dist/logger.js');
const { scrubLogLine } = require('../dist/log-scrub.js');

const LINES = Number(process.argv[2] ?? 100_000);
const ROUNDS = 5;

function makeLogger(scrub) {
  const options = pinoOptions({ service: 'bench', level: 'info' });
  if (!scrub) delete options.hooks;
  return pino(options, pino.destination({ dest: '/dev/null', sync: true }));
}

// Request loggers are children bound to a trace id, as the kit's HTTP app makes them.
const children = (logger) => Array.from({ length: 64 }, () => logger.child({ trace_id: randomUUID() }));
const jobIds = Array.from({ length: 64 }, () => randomUUID());
const failure = new Error('connect ECONNREFUSED 10.0.0.5:6379');

const SCENARIOS = {
  'access line (no finding)': (log, i) =>
    log[i % 64].info({ method: 'POST', route: '/ai/jobs', status: 202, duration_ms: 3.21 }, 'request completed'),
  'job line (ids, no finding)': (log, i) =>
    log[i % 64].info({ job_id: jobIds[i % 64], action: 'echo', attempts: 1, otel_trace_id: randomBytes(16).toString('hex') }, 'job submitted'),
  'message with an email': (log, i) => log[i % 64].info({ to: 'jane.doe@example.com' }, 'mail sent to jane.doe@example.com'),
  'error with stack and IP': (log, i) => log[i % 64].error({ err: failure }, 'unexpected error'),
};
// A day's mix: mostly access and job lines, a few with findings.
const MIX = [...Array(14).fill('access line (no finding)'), ...Array(4).fill('job line (ids, no finding)'), 'message with an email', 'error with stack and IP'];
SCENARIOS['mix (70/20/5/5)'] = (log, i) => SCENARIOS[MIX[i % MIX.length]](log, i);

/** µs per call of `fn(i)`: warm-up, then the median of ROUNDS rounds of LINES calls. */
function roundUs(fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / 1000 / LINES;
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The lines a scenario writes, as pino serializes them (the hook's input), 64 of them. */
function sampleLines(write) {
  const lines = [];
  const capture = { write: (s) => lines.push(s) };
  const options = pinoOptions({ service: 'bench', level: 'info' });
  delete options.hooks;
  const log = children(pino(options, capture));
  for (let i = 0; i < 64; i++) write(log, i);
  return lines;
}

const plain = children(makeLogger(false));
const scrubbed = children(makeLogger(true));
const rows = Object.entries(SCENARIOS).map(([name, write]) => {
  const lines = sampleLines(write);
  const runs = { without: [], withScrub: [], hook: [] };
  for (let i = 0; i < 10_000; i++) {
    write(plain, i);
    write(scrubbed, i);
    scrubLogLine(lines[i % 64]);
  }
  // Interleaved, so a neighbour's load on this shared machine hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    runs.without.push(roundUs((i) => write(plain, i)));
    runs.withScrub.push(roundUs((i) => write(scrubbed, i)));
    runs.hook.push(roundUs((i) => scrubLogLine(lines[i % 64])));
  }
  return { name, without: median(runs.without), withScrub: median(runs.withScrub), hook: median(runs.hook) };
});

const fmt = (n) => n.toFixed(2).padStart(8);
const print = (line) => process.stdout.write(`${line}\n`);
print(`${LINES.toLocaleString('en')} lines per scenario, median of ${ROUNDS} rounds, µs per line (node ${process.version})\n`);
print(`| ${'scenario'.padEnd(28)} | without  | with     | added    | ratio | hook alone | 100k lines, with |`);
print(`| ${'-'.repeat(28)} | -------- | -------- | -------- | ----- | ---------- | ---------------- |`);
for (const r of rows) {
  const total = `${((r.withScrub * LINES) / 1000).toFixed(0)} ms`.padStart(16);
  print(
    `| ${r.name.padEnd(28)} | ${fmt(r.without)} | ${fmt(r.withScrub)} | ${fmt(r.withScrub - r.without)} | ${(r.withScrub / r.without).toFixed(2).padStart(5)} | ${fmt(r.hook).padStart(10)} | ${total} |`,
  );
}
