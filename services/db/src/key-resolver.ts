/**
 * Resolves the key of every request with a short cache in front of the database: a key seen
 * within `ttlMs` (default 2 s) is not looked up again, so revocation and expiry take effect
 * within that time. Unknown keys are cached too (as unknown), so a client hammering with a bad
 * key costs one query per `ttlMs`, not one per request. Only hashes are used as cache keys.
 */
import { hashSecret, resolveApiKey } from './api-keys';
import type { KeyGrant } from './api-keys';
import type { Queryable } from './database';

export interface KeyResolverOptions {
  db: Queryable;
  ttlMs?: number;
  /** Most cached keys (default 10,000); the oldest entry goes first. */
  maxEntries?: number;
  /** Clock (tests pin it). */
  now?: () => number;
}

interface Entry {
  grant: KeyGrant | null;
  until: number;
}

export class KeyResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<KeyGrant | null>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: KeyResolverOptions) {
    this.ttlMs = opts.ttlMs ?? 2000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  async resolve(secret: string): Promise<KeyGrant | null> {
    const id = hashSecret(String(secret));
    const hit = this.cache.get(id);
    if (hit && hit.until > this.now()) return hit.grant;
    // Concurrent requests with the same key share one query.
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = resolveApiKey(this.opts.db, secret, new Date(this.now())).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    const grant = await pending;
    this.remember(id, grant);
    return grant;
  }

  private remember(id: string, grant: KeyGrant | null): void {
    this.cache.delete(id);
    this.cache.set(id, { grant, until: this.now() + this.ttlMs });
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
  }
}
