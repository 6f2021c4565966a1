import { LRUCache } from 'lru-cache';

interface Entry<V> {
  value: V;
  at: number;
}

/**
 * Short-lived mutable name → value entries (tag → descriptor). An expired entry is kept (not
 * served as fresh) so the caller can revalidate it cheaply, e.g. with a HEAD whose digest, when
 * unchanged, lets the cached manifest bytes be reused.
 */
export class TagCache<V> {
  private readonly lru: LRUCache<string, Entry<V>>;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly ttlMs: number,
    max = 10_000,
  ) {
    this.lru = new LRUCache<string, Entry<V>>({ max });
  }

  /** A fresh entry (counted as a hit), else undefined (a miss). */
  fresh(key: string): V | undefined {
    const e = this.lru.get(key);
    if (e && Date.now() - e.at < this.ttlMs) {
      this.hitCount++;
      return e.value;
    }
    this.missCount++;
    return undefined;
  }

  /** Whatever is stored, fresh or not (for revalidation). */
  stale(key: string): V | undefined {
    return this.lru.peek(key)?.value;
  }

  set(key: string, value: V): void {
    this.lru.set(key, { value, at: Date.now() });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Keys under a prefix whose value matches, fresh or not. */
  keysWhere(prefix: string, match: (v: V) => boolean): string[] {
    const out: string[] = [];
    for (const [k, e] of this.lru.entries()) if (k.startsWith(prefix) && match(e.value)) out.push(k);
    return out;
  }

  /** Drops every entry under a key prefix whose value matches (e.g. tags of a deleted digest). */
  deleteWhere(prefix: string, match: (v: V) => boolean): void {
    for (const [k, e] of this.lru.entries()) if (k.startsWith(prefix) && match(e.value)) this.lru.delete(k);
  }

  stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.lru.size, hits: this.hitCount, misses: this.missCount };
  }
}
