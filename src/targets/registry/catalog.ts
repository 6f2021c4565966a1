import { ListingBudget, listingLimits } from '../listing-limits';
import type { Catalog, CallOptions } from '../target';
import { RegistryClient } from './client';
import type { RegistryOptions } from './options';
import { listPages } from './repository';
import { CATALOG_SCOPE } from './scopes';
import type { Shared } from './state';

/** `GET /v2/_catalog`, all pages. */
export class RegistryCatalog implements Catalog {
  private readonly client: RegistryClient;
  /** What this request's listings have read so far (a catalog lives for one request). */
  readonly listing: ListingBudget;

  constructor(
    private readonly shared: Shared,
    readonly registry: string,
    opts: RegistryOptions = {},
  ) {
    this.client = new RegistryClient(shared, registry, opts);
    this.listing = new ListingBudget(listingLimits(shared.listingLimits, opts.listingLimits), registry);
  }

  repositories(opts: CallOptions & { last?: string } = {}): Promise<string[]> {
    return listPages(this.client, this.client.url('/v2/_catalog'), opts, 'repositories', this.registry, [CATALOG_SCOPE], this.shared.pageSize, this.listing);
  }
}
