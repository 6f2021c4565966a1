import { LRUCache } from 'lru-cache';
import { countBound } from './count-bound';
import { KeyIndex, groupOf } from './key-groups';

/**
 * A bounded set of keys known to be true (e.g. "this blob exists in that repository"), each
 * trusted for at most `ttlMs`: an observation ages, and something outside the daemon may have
 * deleted the content since.
 */
export class KnownSet {
  private readonly lru: LRUCache<string, true>;
  private readonly groups = new KeyIndex();

  constructor(max: number, ttlMs: number) {
    this.lru = new LRUCache<string, true>({
      ...countBound(max),
      ...(ttlMs > 0 ? { ttl: ttlMs } : {}),
      dispose: (_v, k, reason) => {
        if (reason !== 'set') this.groups.remove(groupOf(k), k);
      },
    });
  }

  has(key: string): boolean {
    return this.lru.get(key) === true;
  }

  add(key: string): void {
    this.lru.set(key, true);
    this.groups.add(groupOf(key), key);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Every key of a group (`<group>#<who>`), whoever recorded it. */
  deleteGroup(group: string): void {
    for (const k of this.groups.keys(group)) this.lru.delete(k);
  }

  keys(): IterableIterator<string> {
    this.lru.purgeStale();
    return this.lru.keys();
  }

  /** Empties the set; returns how many keys it held. */
  clear(): number {
    const n = this.size;
    this.lru.clear();
    this.groups.clear();
    return n;
  }

  get size(): number {
    return this.lru.size;
  }
}
