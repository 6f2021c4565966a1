import { LRUCache } from 'lru-cache';

/** The spec's default when a token server gives no `expires_in`. */
export const DEFAULT_TOKEN_SECONDS = 60;

/**
 * Bearer tokens shared by every client of the daemon, keyed by (registry, credential id, sorted
 * scope set). The credential id is a hash, so the keys reveal nothing. Entries expire ahead of
 * the token so a request never leaves with a token about to die in flight.
 */
export class TokenCache {
  private readonly lru = new LRUCache<string, string>({ max: 2_000, ttlAutopurge: false });

  static key(registry: string, credentialId: string, scopes: string[]): string {
    return `${registry}\0${credentialId}\0${scopes.join(' ')}`;
  }

  get(key: string): string | undefined {
    return this.lru.get(key);
  }

  set(key: string, token: string, expiresInSeconds: number | undefined): void {
    const lifetimeMs = (expiresInSeconds && expiresInSeconds > 0 ? expiresInSeconds : DEFAULT_TOKEN_SECONDS) * 1000;
    const margin = Math.min(30_000, lifetimeMs / 5);
    const ttl = Math.max(1_000, lifetimeMs - margin);
    this.lru.set(key, token, { ttl });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /**
   * A live token of this registry and credential whose scopes include every wanted one
   * (`repository:a:pull,push` covers `repository:a:pull`), so one token serves a whole command.
   */
  findCovering(registry: string, credentialId: string, wanted: string[]): { key: string; token: string } | undefined {
    const prefix = `${registry}\0${credentialId}\0`;
    const need = wanted.map(splitScope);
    for (const [key, token] of this.lru.entries()) {
      if (!key.startsWith(prefix)) continue;
      const have = key.slice(prefix.length).split(' ').map(splitScope);
      const covered = need.every((n) => have.some((h) => h.resource === n.resource && (h.actions.has('*') || [...n.actions].every((a) => h.actions.has(a)))));
      if (covered) return { key, token };
    }
    return undefined;
  }

  /** Drops a registry's tokens (e.g. after logout). */
  deleteRegistry(registry: string): void {
    for (const k of this.lru.keys()) if (k.startsWith(`${registry}\0`)) this.lru.delete(k);
  }

  /** Live tokens per registry: what may be shown of them. */
  countsByRegistry(): Map<string, number> {
    this.lru.purgeStale();
    const out = new Map<string, number>();
    for (const k of this.lru.keys()) {
      const registry = k.slice(0, k.indexOf('\0'));
      out.set(registry, (out.get(registry) ?? 0) + 1);
    }
    return out;
  }

  /** Empties the cache; returns how many live tokens it held. */
  clear(): number {
    const n = this.size;
    this.lru.clear();
    return n;
  }

  get size(): number {
    this.lru.purgeStale();
    return this.lru.size;
  }
}

function splitScope(scope: string): { resource: string; actions: Set<string> } {
  const last = scope.lastIndexOf(':');
  return last > 0 ? { resource: scope.slice(0, last), actions: new Set(scope.slice(last + 1).split(',')) } : { resource: scope, actions: new Set() };
}
