import { LRUCache } from 'lru-cache';
import { countBound } from '../../cache/count-bound';
import { KeyedLock } from '../../cache/keyed-lock';
import { KnownSet } from '../../cache/known-set';
import { ManifestCache } from '../../cache/manifest-cache';
import { SharedFlight } from '../../cache/shared-flight';
import { TagCache } from '../../cache/tag-cache';
import { ErrorCodes, OrasdError } from '../../errors';
import type { Logger } from '../../log';
import type { Descriptor } from '../../oci/descriptor';
import { isValidRepository } from '../../oci/reference';
import { DEFAULT_LISTING_LIMITS, listingLimits, type ListingLimits } from '../listing-limits';
import type { CacheClearParams, CacheClearResult, CacheListResult } from '../../../protocol/cache';
import { Auth } from './auth';
import { clearCaches, listCaches } from './cache-report';
import { RegistryCatalog } from './catalog';
import { RegistryClient } from './client';
import { Credentials, hasSecret, type Credential } from './credentials';
import { discard } from './http';
import { Http, type Timeouts } from './http';
import type { RegistryOptions } from './options';
import { RegistryTarget } from './repository';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
import type { Shared } from './state';
import { TokenCache } from './token-cache';

export interface RegistriesOptions {
  log: Logger;
  userAgent?: string;
  maxConnectionsPerOrigin?: number;
  /** Offer HTTP/2 (ALPN h2) on TLS connections; registries that pick it multiplex requests on one connection. */
  http2?: boolean;
  /** Total bytes of verified manifests kept (0 disables the cache). */
  manifestCacheBytes?: number;
  /** How long tag → digest answers are served without asking the registry. */
  tagTtlMs?: number;
  /** Time allowed until response headers arrive (also caps connecting). */
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
  /** Finer timeouts than requestTimeoutMs. */
  timeouts?: Partial<Timeouts>;
  /** Page size (`n`) for tag and catalog listings. */
  pageSize?: number;
  /** Daemon-wide listing limits (absent fields: DEFAULT_LISTING_LIMITS). */
  listingLimits?: Partial<ListingLimits>;
  /** How long a blob seen in a repository is trusted to still be there (exists() skips the HEAD). */
  knownBlobTtlMs?: number;
  /** Registries ("host" for any port, "host:port") reached over plain HTTP unless a request says otherwise. */
  plainHttpRegistries?: string[];
}

export interface RegistryStats {
  requests: number;
  byOrigin: Record<string, number>;
  connections: Record<string, number>;
  tokenFetches: number;
  manifests: { entries: number; bytes: number; hits: number; misses: number };
  tags: { entries: number; hits: number; misses: number };
  tokens: { entries: number };
  knownBlobs: { entries: number };
}

function checkRegistry(registry: string): void {
  if (!registry || /[\s/@]/.test(registry)) {
    throw new OrasdError(ErrorCodes.InvalidReference, `invalid registry "${registry.slice(0, 100)}"`, { hint: 'write host[:port]' });
  }
}

/**
 * The daemon's shared, bounded warm state for every registry: connection pools, auth schemes and
 * tokens, credentials, manifest/tag/blob caches. Targets made here are cheap views over it.
 */
export class Registries {
  private readonly shared: Shared;

  constructor(opts: RegistriesOptions) {
    // The caller's logger is already scoped (e.g. component: registry); lines add the registry host.
    const log = opts.log;
    const headersMs = opts.timeouts?.headersMs ?? opts.requestTimeoutMs ?? 60_000;
    const timeouts: Timeouts = {
      connectMs: opts.timeouts?.connectMs ?? Math.min(headersMs, 15_000),
      headersMs,
      bodyMs: opts.timeouts?.bodyMs ?? Math.max(headersMs, 60_000),
    };
    const retry = opts.retry ?? DEFAULT_RETRY;
    const http = new Http({ log, userAgent: opts.userAgent ?? 'orasd', connections: opts.maxConnectionsPerOrigin ?? 32, timeouts, http2: opts.http2 === true });
    this.shared = {
      log,
      http,
      auth: new Auth(http, new TokenCache(), log, retry),
      credentials: new Credentials(log),
      retry,
      pageSize: opts.pageSize ?? 1000,
      listingLimits: listingLimits(DEFAULT_LISTING_LIMITS, opts.listingLimits),
      manifests: new ManifestCache(opts.manifestCacheBytes ?? 64 * 1024 * 1024),
      tags: new TagCache<Descriptor>(opts.tagTtlMs ?? 5_000, (d) => d.digest),
      knownBlobs: new KnownSet(100_000, opts.knownBlobTtlMs ?? 10 * 60_000),
      singleRequestUpload: new LRUCache<string, boolean>({ max: 1_000 }),
      referrersApi: new LRUCache<string, boolean>(countBound(10_000)),
      writtenIndexes: new LRUCache(countBound(10_000)),
      indexLocks: new KeyedLock(),
      pendingIndexChanges: new Map(),
      manifestFlight: new SharedFlight(),
      headFlight: new SharedFlight(),
      probeFlight: new SharedFlight(),
      plainHttp: new Set(opts.plainHttpRegistries ?? []),
    };
  }

  repository(registry: string, repository: string, opts: RegistryOptions = {}): RegistryTarget {
    checkRegistry(registry);
    if (!isValidRepository(repository)) {
      throw new OrasdError(ErrorCodes.InvalidReference, `invalid repository name "${repository.slice(0, 100)}"`, { registry, hint: 'lowercase letters, digits and separators . _ __ - /' });
    }
    return new RegistryTarget(this.shared, registry, repository, opts);
  }

  catalog(registry: string, opts: RegistryOptions = {}): RegistryCatalog {
    checkRegistry(registry);
    return new RegistryCatalog(this.shared, registry, opts);
  }

  /** Checks the credentials against `GET /v2/` through the registry's real auth flow, then stores them. */
  async login(registry: string, creds: Credential, opts: RegistryOptions = {}): Promise<{ store: string }> {
    checkRegistry(registry);
    const cred: Credential = {
      ...(creds.username !== undefined ? { username: creds.username } : {}),
      ...(creds.password !== undefined ? { password: creds.password } : {}),
      ...(creds.identityToken !== undefined ? { identityToken: creds.identityToken } : {}),
    };
    if (!hasSecret(cred) || (!cred.identityToken && (!cred.username || cred.password === undefined))) {
      throw new OrasdError(ErrorCodes.InvalidArgument, 'login needs username and password, or an identity token', { registry });
    }
    const client = new RegistryClient(this.shared, registry, { ...opts, username: undefined, password: undefined, identityToken: undefined, ...cred });
    const res = await client.send({ method: 'GET', url: client.url('/v2/'), scopes: [], fresh: true });
    if (res.status !== 200) throw await client.fail(res, { reference: registry, subject: 'registry' });
    await discard(res);
    return this.shared.credentials.store(registry, cred, opts);
  }

  async logout(registry: string, opts: RegistryOptions = {}): Promise<{ store: string }> {
    checkRegistry(registry);
    const out = await this.shared.credentials.erase(registry, opts);
    this.shared.auth.tokens.deleteRegistry(registry);
    return out;
  }

  stats(): RegistryStats {
    const s = this.shared;
    return {
      requests: s.http.requests,
      byOrigin: { ...s.http.byOrigin },
      connections: { ...s.http.connections },
      tokenFetches: s.auth.tokenFetches,
      manifests: s.manifests.stats(),
      tags: s.tags.stats(),
      tokens: { entries: s.auth.tokens.size },
      knownBlobs: { entries: s.knownBlobs.size },
    };
  }

  /** What the caches hold, by registry and repository; never a token or a caller identity. */
  cacheList(): CacheListResult {
    return listCaches(this.shared);
  }

  clearCaches(which: CacheClearParams = {}): CacheClearResult {
    const out = clearCaches(this.shared, which);
    this.shared.log.info({ cleared: out }, 'caches cleared');
    return out;
  }

  async close(): Promise<void> {
    await this.shared.http.close();
  }
}
