import type { DiscoverNode } from '../../protocol';

/**
 * A discover tree reduced to what must agree between tools and targets: the root's digest, each
 * referrer's digest and artifact type, order aside.
 */
export function shape(n: { digest: string; artifactType?: string; referrers?: unknown[] }, root = true): unknown {
  return {
    digest: n.digest,
    ...(n.artifactType && !root ? { artifactType: n.artifactType } : {}),
    referrers: ((n.referrers ?? []) as DiscoverNode[]).map((r) => shape(r, false)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}
