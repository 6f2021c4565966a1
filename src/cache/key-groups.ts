/**
 * Cache keys here are `<group>#<who>`: one thing (a tag, a digest in a repository) as each caller
 * identity saw it. Forgetting a thing for everyone (a 404, a delete) must not scan a cache of
 * 100,000 entries on every miss, so each cache keeps this index of group → live keys, in step
 * with its LRU through the LRU's dispose callback.
 */
export class KeyIndex {
  private readonly map = new Map<string, Set<string>>();

  add(group: string, key: string): void {
    let s = this.map.get(group);
    if (!s) this.map.set(group, (s = new Set()));
    s.add(key);
  }

  remove(group: string, key: string): void {
    const s = this.map.get(group);
    if (!s) return;
    s.delete(key);
    if (s.size === 0) this.map.delete(group);
  }

  /** A copy: callers delete from the cache while iterating, which edits the index. */
  keys(group: string): string[] {
    const s = this.map.get(group);
    return s ? [...s] : [];
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

/** The group of a `<group>#<who>` key (the whole key when it has no `#`). */
export function groupOf(key: string): string {
  const i = key.indexOf('#');
  return i < 0 ? key : key.slice(0, i);
}
