import { decodeCursor, encodeCursor, type CursorPosition } from './cursor';
import type { RedisClient } from './scripts';

export interface PageItem {
  member: string;
  score: number;
}

export interface Page {
  items: PageItem[];
  /** Set when more items remain after this page. */
  next: CursorPosition | null;
}

/** ZRANGE WITHSCORES: flat `[m, s, ...]` on RESP2, `[[m, s], ...]` on RESP3 (ioredis 6 default). */
const pairsOf = (reply: unknown): PageItem[] => {
  const list = reply as unknown[];
  if (list.length > 0 && Array.isArray(list[0])) {
    return (list as [string, string | number][]).map(([member, score]) => ({ member, score: Number(score) }));
  }
  const out: PageItem[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push({ member: String(list[i]), score: Number(list[i + 1]) });
  return out;
};

/**
 * One newest-first page of a sorted set (highest score first, ties by member descending, as
 * ZRANGE REV orders them). Items newer than the cursor (inserted meanwhile) never shift the
 * page, because the cursor is a position (score, member), not an offset.
 */
export async function pageNewestFirst(redis: RedisClient, key: string, limit: number, cursor?: string): Promise<Page> {
  const want = limit + 1;
  let items: PageItem[];
  if (cursor === undefined) {
    items = pairsOf(await redis.call('ZRANGE', key, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, want, 'WITHSCORES'));
  } else {
    const at = decodeCursor(cursor);
    // Items sharing the cursor's score (same millisecond) come first, then strictly older ones.
    const ties = ((await redis.call('ZRANGE', key, at.score, at.score, 'BYSCORE', 'REV')) as string[])
      .filter((m) => m < at.member)
      .map((member) => ({ member, score: at.score }));
    items = ties.slice(0, want);
    if (items.length < want) {
      const older = await redis.call('ZRANGE', key, `(${at.score}`, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, want - items.length, 'WITHSCORES');
      items = items.concat(pairsOf(older));
    }
  }
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page, next: items.length > limit && last ? { score: last.score, member: last.member } : null };
}

/** Merges newest-first pages of several sorted sets into one (the DLQ across partitions). */
export async function pageNewestFirstAcross(redis: RedisClient, keys: string[], limit: number, cursor?: string): Promise<Page> {
  const pages = await Promise.all(keys.map((key) => pageNewestFirst(redis, key, limit, cursor)));
  // Each page holds `limit` items plus a cursor when more remain; compare on (score, member).
  const merged = pages
    .flatMap((p) => p.items)
    .sort((a, b) => b.score - a.score || (a.member < b.member ? 1 : a.member > b.member ? -1 : 0));
  const page = merged.slice(0, limit);
  const more = merged.length > limit || pages.some((p) => p.next !== null);
  const last = page[page.length - 1];
  return { items: page, next: more && last ? { score: last.score, member: last.member } : null };
}

export { encodeCursor };
