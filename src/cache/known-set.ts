import { LRUCache } from 'lru-cache';

/**
 * A bounded set of keys known to be true (e.g. "this blob exists in that repository"), each
 * trusted for at most `ttlMs`: an observation ages, and something outside the daemon may have
 * deleted the content since.
 */
export class KnownSet {
  private readonly lru: LRUCache<string, true>;

  constructor(max: number, ttlMs: number) {
    this.lru = new LRUCache<string, true>({ max, ...(ttlMs > 0 ? { ttl: ttlMs } : {}) });
  }

  has(key: string): boolean {
    return this.lru.get(key) === true;
  }

  add(key: string): void {
    this.lru.set(key, true);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  deletePrefix(prefix: string): void {
    for (const k of this.lru.keys()) if (k.startsWith(prefix)) this.lru.delete(k);
  }

  get size(): number {
    return this.lru.size;
  }
}
