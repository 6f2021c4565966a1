import { LRUCache } from 'lru-cache';
import { KeyIndex, groupOf } from './key-groups';

export interface CachedManifest {
  mediaType: string;
  bytes: Buffer;
}

/** Bookkeeping per entry besides the bytes (key, media type, LRU links). */
const ENTRY_OVERHEAD = 128;

/**
 * Verified manifest bytes by (location, digest), bounded by total bytes. Callers insert only bytes
 * whose digest they checked, so an entry can be served without asking the registry again: a
 * digest cannot change meaning. Keys name the repository (a hit never claims a manifest exists
 * where it was never seen) and whoever fetched it, as the caller chooses.
 */
export class ManifestCache {
  private readonly lru: LRUCache<string, CachedManifest> | undefined;
  private readonly groups = new KeyIndex();
  private hitCount = 0;
  private missCount = 0;

  constructor(maxBytes: number) {
    this.lru =
      maxBytes > 0
        ? new LRUCache<string, CachedManifest>({
            maxSize: maxBytes,
            sizeCalculation: (v, k) => v.bytes.length + k.length + ENTRY_OVERHEAD,
            dispose: (_v, k, reason) => {
              if (reason !== 'set') this.groups.remove(groupOf(k), k);
            },
          })
        : undefined;
  }

  get(key: string): CachedManifest | undefined {
    const v = this.lru?.get(key);
    if (v) this.hitCount++;
    else this.missCount++;
    return v;
  }

  /** Looks without counting: for internal decisions that are not a cache use. */
  peek(key: string): CachedManifest | undefined {
    return this.lru?.peek(key);
  }

  set(key: string, value: CachedManifest): void {
    if (!this.lru) return;
    this.lru.set(key, value);
    // A value larger than the whole budget is not stored: index only what is.
    if (this.lru.has(key)) this.groups.add(groupOf(key), key);
    else this.groups.remove(groupOf(key), key);
  }

  delete(key: string): void {
    this.lru?.delete(key);
  }

  /** Drops every entry of a group (`<group>#<who>`: the same content seen by several callers). */
  deleteGroup(group: string): void {
    if (!this.lru) return;
    for (const k of this.groups.keys(group)) this.lru.delete(k);
  }

  /** Each entry's key and the bytes it counts against the budget. */
  *sizes(): Generator<[string, number]> {
    if (!this.lru) return;
    for (const [k, v] of this.lru.entries()) yield [k, v.bytes.length + k.length + ENTRY_OVERHEAD];
  }

  /** Empties the cache; returns how many entries it held. */
  clear(): number {
    const n = this.lru?.size ?? 0;
    this.lru?.clear();
    this.groups.clear();
    return n;
  }

  stats(): { entries: number; bytes: number; hits: number; misses: number } {
    return { entries: this.lru?.size ?? 0, bytes: this.lru?.calculatedSize ?? 0, hits: this.hitCount, misses: this.missCount };
  }
}
