import { LRUCache } from 'lru-cache';
import { countBound } from './count-bound';
import { KeyIndex, groupOf } from './key-groups';

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
  /** `<repo>:<tag>` → keys, and value key (a digest) → keys: forgetting never scans the cache. */
  private readonly names = new KeyIndex();
  private readonly byValue = new KeyIndex();
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly valueKey: (v: V) => string,
    max = 10_000,
  ) {
    this.lru = new LRUCache<string, Entry<V>>({
      ...countBound(max),
      dispose: (e, k, reason) => {
        if (reason !== 'set') this.names.remove(groupOf(k), k);
        this.byValue.remove(this.valueKey(e.value), k);
      },
    });
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
    this.names.add(groupOf(key), key);
    this.byValue.add(this.valueKey(value), key);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Keys under a prefix whose value has this value key (e.g. tags of a digest), fresh or not. */
  keysWithValue(prefix: string, valueKey: string): string[] {
    return this.byValue.keys(valueKey).filter((k) => k.startsWith(prefix));
  }

  /** Drops the entries under a prefix whose value has this value key (e.g. tags of a deleted digest). */
  deleteWithValue(prefix: string, valueKey: string): void {
    for (const k of this.keysWithValue(prefix, valueKey)) this.lru.delete(k);
  }

  /** Drops every entry of a name (`<name>#<who>`), whoever cached it. */
  deleteName(name: string): void {
    for (const k of this.names.keys(name)) this.lru.delete(k);
  }

  keys(): IterableIterator<string> {
    return this.lru.keys();
  }

  /** Empties the cache; returns how many entries it held. */
  clear(): number {
    const n = this.lru.size;
    this.lru.clear();
    this.names.clear();
    this.byValue.clear();
    return n;
  }

  stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.lru.size, hits: this.hitCount, misses: this.missCount };
  }
}
