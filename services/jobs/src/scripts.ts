import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { fromScriptError } from './errors';

/** One Lua file per state change, in lua/ at the package root (works from src/ and dist/). */
export const LUA_DIR = path.join(__dirname, '..', 'lua');

export const SCRIPT_NAMES = [
  'enqueue',
  'claim',
  'extend-lease',
  'complete',
  'fail',
  'cancel',
  'finish-cancelled',
  'retry',
  'release',
  'reap',
  'promote',
  'prune',
  'list',
  'erase',
  'oldest-ready',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export type RedisClient = Redis | Cluster;

let sources: ReadonlyMap<ScriptName, string> | undefined;

/** Script sources with `-- @include <name>` lines replaced by lua/includes/<name>.lua. Read once. */
export function scriptSources(): ReadonlyMap<ScriptName, string> {
  if (!sources) {
    const include = (name: string): string => readFileSync(path.join(LUA_DIR, 'includes', `${name}.lua`), 'utf8');
    sources = new Map(
      SCRIPT_NAMES.map((name) => {
        const text = readFileSync(path.join(LUA_DIR, `${name}.lua`), 'utf8');
        return [name, wrapBody(text.replace(/^-- @include ([a-z-]+)$/gm, (_line, inc: string) => include(inc)))];
      }),
    );
  }
  return sources;
}

/**
 * Runs the script's body as a function and then writes the job records it changed
 * (common.lua flushJobs), so no return path can leave a change unwritten. The body starts
 * after the included helpers, at the marker line common.lua ends with.
 */
function wrapBody(source: string): string {
  const marker = '-- @body';
  const at = source.indexOf(marker);
  if (at < 0) throw new Error('jobs: a script does not include common (no -- @body marker)');
  const lineEnd = source.indexOf('\n', at);
  const body = source.slice(lineEnd < 0 ? source.length : lineEnd + 1);
  return `${source.slice(0, at)}local function main()\n${body}\nend\nlocal out = main()\nflushJobs()\nreturn out\n`;
}

const commandName = (name: ScriptName): string => `ocjobs_${name.replace(/-/g, '_')}`;

type ScriptCommand = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export interface ScriptRunner {
  run(name: ScriptName, keys: string[], argv: (string | number)[]): Promise<unknown>;
}

/**
 * Defines every script on the client with ioredis defineCommand, which sends EVALSHA and
 * falls back to EVAL once per connection (so a restarted or failed-over Redis reloads them).
 * Script refusals come back as JobError.
 */
export function createScriptRunner(redis: RedisClient): ScriptRunner {
  if (redis.options && 'keyPrefix' in redis.options && redis.options.keyPrefix) {
    throw new Error('jobs: the Redis client must not use keyPrefix (scripts build keys themselves); use the store prefix');
  }
  const client = redis as unknown as Record<string, ScriptCommand | undefined>;
  for (const [name, lua] of scriptSources()) {
    if (typeof client[commandName(name)] !== 'function') redis.defineCommand(commandName(name), { lua });
  }
  return {
    async run(name, keys, argv) {
      const command = client[commandName(name)] as ScriptCommand;
      try {
        return await command.call(redis, keys.length, ...keys, ...argv);
      } catch (err) {
        throw fromScriptError(err);
      }
    },
  };
}
