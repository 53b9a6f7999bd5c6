import type { RedisClient } from '@opsconductor/jobs';

/** Orders two stream entry ids (`<ms>-<seq>`); both parts can exceed 2^53, hence BigInt. */
export function compareEventIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** The id of the newest entry of a stream, or null when it is empty or absent. */
export async function latestEventId(redis: RedisClient, key: string): Promise<string | null> {
  const entries = (await redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  return entries[0]?.[0] ?? null;
}

/**
 * Whether entries after `after` may have been trimmed (the stream is capped), so a resume from
 * it could not be told every change. Trimming removes the oldest entries first, so it can only
 * have happened when `after` is older than the first entry left and entries were removed.
 * Conservative: a client whose very last entry was the last one trimmed is also told.
 */
export async function historyTrimmedAfter(redis: RedisClient, key: string, after: string): Promise<boolean> {
  let info: unknown;
  try {
    info = await redis.call('XINFO', 'STREAM', key);
  } catch (err) {
    if (err instanceof Error && /no such key/i.test(err.message)) return false;
    throw err;
  }
  // A flat [name, value, …] list (RESP2, and RESP3 under ioredis' default mapping), or a map.
  const field = (name: string): unknown => {
    if (info instanceof Map) return info.get(name);
    if (!Array.isArray(info)) return (info as Record<string, unknown> | null)?.[name];
    const at = info.indexOf(name);
    return at === -1 ? undefined : info[at + 1];
  };
  const length = Number(field('length'));
  // `entries-added` exists since Redis 7; older servers cannot tell, and get no warning.
  const added = field('entries-added');
  const first = field('first-entry') as [string, string[]] | null;
  if (added === undefined || first === null || first === undefined) return false;
  return Number(added) > length && compareEventIds(after, first[0]) < 0;
}
