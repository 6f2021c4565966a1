import { LRUCache } from 'lru-cache';
import { KeyedLock } from '../../cache/keyed-lock';
import { KnownSet } from '../../cache/known-set';
import { ManifestCache } from '../../cache/manifest-cache';
import { SharedFlight } from '../../cache/shared-flight';
import { TagCache } from '../../cache/tag-cache';
import type { Logger } from '../../log';
import type { Descriptor } from '../../oci/descriptor';
import type { ListingLimits } from '../listing-limits';
import type { Auth } from './auth';
import type { Credentials } from './credentials';
import type { Http } from './http';
import type { PendingChange } from './referrers';
import type { RetryPolicy } from './retry';

/** The fallback referrers index this daemon last wrote for a subject. */
export interface WrittenIndex {
  descriptor: Descriptor;
  manifests: Descriptor[];
}

/** Everything registry targets share across requests: the daemon's warm, bounded state. */
export interface Shared {
  log: Logger;
  http: Http;
  auth: Auth;
  credentials: Credentials;
  retry: RetryPolicy;
  pageSize: number;
  /** The daemon's listing limits; a request may set its own. */
  listingLimits: ListingLimits;
  /** `registry/repo@digest` → verified manifest bytes. */
  manifests: ManifestCache;
  /** `registry/repo:tag` → descriptor, short TTL. */
  tags: TagCache<Descriptor>;
  /** `registry/repo@digest` of blobs seen to exist. */
  knownBlobs: KnownSet;
  /** registry → takes a blob in one `POST ?digest=` (true) or opens a session instead (false). */
  singleRequestUpload: LRUCache<string, boolean>;
  /** `registry/repo` → serves the referrers API. */
  referrersApi: LRUCache<string, boolean>;
  /** `registry/repo/subject` → the index last written under its fallback tag. */
  writtenIndexes: LRUCache<string, WrittenIndex>;
  indexLocks: KeyedLock;
  /** Fallback-index changes waiting for their subject's lock, by (caller identity, subject). */
  pendingIndexChanges: Map<string, PendingChange[]>;
  manifestFlight: SharedFlight<{ descriptor: Descriptor; bytes: Buffer }>;
  headFlight: SharedFlight<Descriptor | undefined>;
  probeFlight: SharedFlight<boolean | undefined>;
  /** The daemon's plain-HTTP registries ("host" for any port, "host:port"), from its config file. */
  plainHttp: ReadonlySet<string>;
}
