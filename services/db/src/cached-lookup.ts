/**
 * A short-lived cache in front of a database lookup: an answer is kept for `ttlMs` (absent
 * answers too, so a client hammering with an unknown key costs one query per `ttlMs`),
 * concurrent lookups of one key share one query, and the cache is bounded (oldest first).
 */
export interface CachedLookupOptions {
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

export class CachedLookup<V> {
  private readonly cache = new Map<string, { value: V; until: number }>();
  private readonly inFlight = new Map<string, Promise<V>>();

  constructor(private readonly opts: CachedLookupOptions) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.cache.get(key);
    if (hit && hit.until > this.opts.now()) return hit.value;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const value = await pending;
    this.cache.delete(key);
    this.cache.set(key, { value, until: this.opts.now() + this.opts.ttlMs });
    if (this.cache.size > this.opts.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }
}
