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

  /** Drops a registry's tokens (e.g. after logout). */
  deleteRegistry(registry: string): void {
    for (const k of this.lru.keys()) if (k.startsWith(`${registry}\0`)) this.lru.delete(k);
  }

  get size(): number {
    this.lru.purgeStale();
    return this.lru.size;
  }
}
