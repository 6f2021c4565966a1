import { ErrorCodes, OrasdError } from '../../errors';
import { redactUrl } from '../../log';
import type { ListingBudget } from '../listing-limits';
import { header, readLimited, type HttpResponse } from './http';

/** The next page from a `Link: <url>; rel="next"` header, resolved against the request URL. */
export function nextLink(res: HttpResponse, registry: string): URL | undefined {
  const raw = res.headers.link;
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const v of values) {
    for (const part of v.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>(.*)$/.exec(part);
      if (!m) continue;
      if (!/;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) continue;
      const next = new URL(m[1]!, res.url);
      // Credentials go along with the next request: it must stay on the registry's origin.
      if (next.origin !== res.url.origin) {
        throw new OrasdError(ErrorCodes.RegistryError, `registry ${registry} sent a next-page link to another origin (${next.host})`, { registry });
      }
      return next;
    }
  }
  return undefined;
}

/**
 * The pages of one listing: each counts against the page limit, and a page asked for twice (a
 * `Link` back to a page already read) fails at once — a loop would otherwise end only at the
 * page limit, with a list that is no listing.
 */
export class PageWalk {
  private readonly visited = new Set<string>();

  constructor(
    private readonly budget: ListingBudget,
    private readonly registry: string,
    /** "the tags of host/repo", for messages. */
    readonly what: string,
    readonly reference: string,
  ) {}

  /** Called before `url` is fetched. */
  enter(url: URL): void {
    if (this.visited.has(url.href)) {
      throw new OrasdError(
        ErrorCodes.RegistryError,
        `listing ${this.what}: registry ${this.registry} linked back to a page it already sent (${redactUrl(url.href)}); the listing would never end`,
        { registry: this.registry, reference: this.reference, hint: 'the registry paginates in a loop: report it to its operator' },
      );
    }
    this.budget.page(this.visited.size, this.what, this.reference);
    this.visited.add(url.href);
  }

  /**
   * One page body, read within the request's budget: a declared length over it fails before
   * reading, a body that grows past it fails as it crosses, so no more than the cap is buffered.
   */
  async read(res: HttpResponse): Promise<Buffer> {
    const { bytes: cap, limit } = this.budget.bodyLimit();
    const tooBig = () => this.budget.exceeded(limit, this.what, this.reference);
    const length = Number(header(res, 'content-length'));
    if (Number.isFinite(length) && length > cap) throw tooBig();
    const body = await readLimited(res.body, cap, tooBig);
    this.budget.addBytes(body.length, this.what, this.reference);
    return body;
  }
}
