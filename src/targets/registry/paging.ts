import { ErrorCodes, OrasdError } from '../../errors';
import type { HttpResponse } from './http';

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

/** Largest number of pages followed: a registry that links in a loop must not keep us forever. */
export const MAX_PAGES = 10_000;
