/**
 * Resolves the key of every request with a short cache in front of the database: a key seen
 * within `ttlMs` (default 2 s) is not looked up again, so revocation and expiry take effect
 * within that time. Unknown keys are cached too (as unknown), so a client hammering with a bad
 * key costs one query per `ttlMs`, not one per request. Only hashes are used as cache keys.
 */
import { hashSecret, resolveApiKey } from './api-keys';
import type { KeyGrant } from './api-keys';
import { CachedLookup } from './cached-lookup';
import type { Queryable } from './database';

export interface KeyResolverOptions {
  db: Queryable;
  ttlMs?: number;
  /** Most cached keys (default 10,000); the oldest entry goes first. */
  maxEntries?: number;
  /** Clock (tests pin it). */
  now?: () => number;
}

export class KeyResolver {
  private readonly lookup: CachedLookup<KeyGrant | null>;
  private readonly now: () => number;

  constructor(private readonly opts: KeyResolverOptions) {
    this.now = opts.now ?? Date.now;
    this.lookup = new CachedLookup({ ttlMs: opts.ttlMs ?? 2000, maxEntries: opts.maxEntries ?? 10_000, now: this.now });
  }

  resolve(secret: string): Promise<KeyGrant | null> {
    return this.lookup.get(hashSecret(String(secret)), () => resolveApiKey(this.opts.db, secret, new Date(this.now())));
  }
}
