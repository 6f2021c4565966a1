import type { DiscoverNode } from '../../protocol';

/** A discover tree reduced to what must agree between tools: digests and artifact types, order aside. */
export function shape(n: { digest: string; artifactType?: string; referrers?: unknown[] }): unknown {
  return {
    digest: n.digest,
    ...(n.artifactType ? { artifactType: n.artifactType } : {}),
    referrers: ((n.referrers ?? []) as DiscoverNode[]).map(shape).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}
