#!/usr/bin/env node
/**
 * `kong-weights`: prints kong.yml with new weights for an upstream's targets, found by tag,
 * for the canary rollout to POST to Kong's (or the stand-in's) Admin API `/config`:
 *
 *   node gateway/local/dist/weights-cli.js [--config <kong.yml>] [--upstream <name>] <tag>=<weight>...
 *   e.g. ... stable=90 canary=10 | curl -sf -X POST localhost:8101/config --data-urlencode config@-
 *
 * Exit 0 with the YAML on stdout; exit 2 with one line on stderr when the request cannot be
 * carried out (bad arguments, unknown upstream or tag, a tag on 0 or 2+ targets, a result the
 * gateway's checks refuse).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_GATEWAY_CONFIG } from './config';
import { MAX_TARGET_WEIGHT, TargetWeightsError, setTargetWeights } from './target-weights';

export const DEFAULT_UPSTREAM = 'automation-service-upstream';
export const USAGE = 'usage: kong-weights [--config <kong.yml>] [--upstream <name>] <tag>=<weight> [<tag>=<weight>...]';

/** Exit code of a request that cannot be carried out. */
const EXIT_USAGE = 2;

export interface WeightsCliIo {
  out: (text: string) => void;
  err: (line: string) => void;
}

/** Runs the command on `argv` (without node and the script); returns the exit code. */
export function runWeightsCli(argv: string[], io: WeightsCliIo): number {
  try {
    const { configFile, upstream, weights } = parseArguments(argv);
    io.out(setTargetWeights(readConfig(configFile), upstream, weights));
    return 0;
  } catch (err) {
    if (!(err instanceof TargetWeightsError)) throw err;
    io.err(`kong-weights: ${err.message}`);
    return EXIT_USAGE;
  }
}

function parseArguments(argv: string[]): { configFile: string; upstream: string; weights: Map<string, number> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, upstream: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new TargetWeightsError(`${(err as Error).message.split('\n')[0]} (${USAGE})`);
  }
  if (parsed.positionals.length === 0) throw new TargetWeightsError(`expected at least one <tag>=<weight> (${USAGE})`);
  const weights = new Map<string, number>();
  for (const arg of parsed.positionals) {
    const match = /^([^=]+)=(\d+)$/.exec(arg);
    const weight = match ? Number(match[2]) : NaN;
    if (!match?.[1] || !(weight <= MAX_TARGET_WEIGHT)) {
      throw new TargetWeightsError(`'${arg}': expected <tag>=<weight> with a weight from 0 to ${MAX_TARGET_WEIGHT}, e.g. canary=10`);
    }
    if (weights.has(match[1])) throw new TargetWeightsError(`tag '${match[1]}' given twice`);
    weights.set(match[1], weight);
  }
  return { configFile: parsed.values.config ?? DEFAULT_GATEWAY_CONFIG, upstream: parsed.values.upstream ?? DEFAULT_UPSTREAM, weights };
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TargetWeightsError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

if (require.main === module) {
  // exitCode, not exit(): a piped stdout is written asynchronously and exit() would cut it.
  process.exitCode = runWeightsCli(process.argv.slice(2), { out: (text) => process.stdout.write(text), err: (line) => console.error(line) });
}
