import { ErrorCodes, OrasdError } from '../errors';

/**
 * Caps on what one request may read from listings (tags, repositories, referrers). A registry
 * decides how long a listing is; without caps one hostile registry can run the shared daemon out
 * of memory and take every other client's work down with it.
 */
export interface ListingLimits {
  /** Entries (tags, repository names, referrer descriptors) over all listings of one request. */
  maxEntries: number;
  /** Body bytes over all listings of one request. */
  maxBytes: number;
  /** Bytes of one page body, enforced while it is read. */
  maxPageBytes: number;
  /** Pages of one listing. */
  maxPages: number;
}

/**
 * Far above what real registries list, low enough that a few concurrent hostile listings stay
 * within the daemon's memory. oras-go caps every page at 4 MiB (MaxMetadataBytes) and olareg
 * splits referrers pages at its manifest limit, so 16 MiB pages leave 4× headroom. Distribution
 * pages at n ≤ 1000, Docker Hub at 100: 10,000 pages hold 1M tags there. The largest public
 * repositories hold a few hundred thousand tags; 64 MiB holds ~850,000 `sha256-<hex>` tags (the
 * longest common kind, ~75 bytes of JSON each) or ~200,000 referrer descriptors with annotations.
 * Entries and bytes count over the whole request, because a graph walk (discover, copy -r,
 * delete --cascade) of listings that are each under the caps could still add up to any size.
 */
export const DEFAULT_LISTING_LIMITS: Readonly<ListingLimits> = {
  maxEntries: 1_000_000,
  maxBytes: 64 * 1024 * 1024,
  maxPageBytes: 16 * 1024 * 1024,
  maxPages: 10_000,
};

/** How a user raises each limit: per request, or for the whole daemon. */
export const LISTING_LIMIT_SETTINGS: Record<keyof ListingLimits, { unit: string; flag: string; env: string }> = {
  maxEntries: { unit: 'entries', flag: '--listing-max-entries', env: 'ORASD_LISTING_MAX_ENTRIES' },
  maxBytes: { unit: 'bytes', flag: '--listing-max-bytes', env: 'ORASD_LISTING_MAX_BYTES' },
  maxPageBytes: { unit: 'bytes in one page', flag: '--listing-max-page-bytes', env: 'ORASD_LISTING_MAX_PAGE_BYTES' },
  maxPages: { unit: 'pages', flag: '--listing-max-pages', env: 'ORASD_LISTING_MAX_PAGES' },
};

/** The daemon's limits with a request's own on top (only positive integers count). */
export function listingLimits(base: Readonly<ListingLimits>, over?: Partial<ListingLimits>): ListingLimits {
  const out = { ...base };
  for (const k of Object.keys(LISTING_LIMIT_SETTINGS) as (keyof ListingLimits)[]) {
    const v = over?.[k];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) out[k] = v;
  }
  return out;
}

/**
 * What one request has read from listings so far, against its limits. Made per target per
 * request, so every listing the request makes through that target counts.
 */
export class ListingBudget {
  private entries = 0;
  private bytes = 0;

  constructor(
    readonly limits: ListingLimits,
    /** Registry host (or layout path), for error data. */
    private readonly registry: string,
  ) {}

  /** The error for going past `limit`; `what` names the listing ("the tags of host/repo"). */
  exceeded(limit: keyof ListingLimits, what: string, reference: string): OrasdError {
    const s = LISTING_LIMIT_SETTINGS[limit];
    const value = this.limits[limit];
    const raise = `listingLimits.${limit} on the request, or for the daemon ${s.flag} / ${s.env}`;
    return new OrasdError(ErrorCodes.LimitExceeded, `listing ${what}: more than ${value} ${s.unit} (limit ${limit}); raise it with ${raise}`, {
      registry: this.registry,
      reference,
      hint: `if the registry is trusted and the listing really is that long, raise ${limit} with ${raise}`,
      detail: { limit, value, param: `listingLimits.${limit}`, flag: s.flag, env: s.env },
    });
  }

  /** A listing that opens its page number `n` (0-based) past the page limit fails. */
  page(n: number, what: string, reference: string): void {
    if (n >= this.limits.maxPages) throw this.exceeded('maxPages', what, reference);
  }

  /** Most bytes the next page body may have, and which limit says so. */
  bodyLimit(): { bytes: number; limit: 'maxPageBytes' | 'maxBytes' } {
    const left = this.limits.maxBytes - this.bytes;
    return left < this.limits.maxPageBytes ? { bytes: Math.max(0, left), limit: 'maxBytes' } : { bytes: this.limits.maxPageBytes, limit: 'maxPageBytes' };
  }

  /** Counts a page body that was read. */
  addBytes(n: number, what: string, reference: string): void {
    this.bytes += n;
    if (n > this.limits.maxPageBytes) throw this.exceeded('maxPageBytes', what, reference);
    if (this.bytes > this.limits.maxBytes) throw this.exceeded('maxBytes', what, reference);
  }

  /** Counts entries read (before any are kept). */
  addEntries(n: number, what: string, reference: string): void {
    this.entries += n;
    if (this.entries > this.limits.maxEntries) throw this.exceeded('maxEntries', what, reference);
  }
}
