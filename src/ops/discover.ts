import type { DiscoverNode } from '../../protocol/artifacts';
import type { Descriptor } from '../oci/descriptor';
import type { Target } from '../targets/target';
import type { OpContext } from './context';
import { referencedDescriptor, resolveSelector } from './graph';

export interface DiscoverInput {
  selector: string | undefined;
  artifactType?: string;
  /** Levels to follow; undefined = all. */
  depth?: number;
  platform?: string;
  noCache?: boolean;
}

export function node(target: Target, d: Descriptor): DiscoverNode {
  return { ...referencedDescriptor(target, d), referrers: [] };
}

/**
 * The referrers tree of a subject, level by level (each level's lookups in parallel), filtered by
 * artifact type at every level like oras. A digest seen twice is not expanded again, so a
 * registry answering with a cycle cannot make this loop.
 */
export async function discover(target: Target, input: DiscoverInput, ctx: OpContext): Promise<{ root: DiscoverNode; subject: Descriptor }> {
  const opts = { ...(ctx.signal ? { signal: ctx.signal } : {}), ...(input.noCache ? { noCache: true } : {}) };
  const subject = await resolveSelector(target, input.selector, { ...opts, ...(input.platform ? { platform: input.platform } : {}) });
  const root = node(target, { mediaType: subject.mediaType, digest: subject.digest, size: subject.size });
  const seen = new Set<string>([subject.digest]);
  let level: DiscoverNode[] = [root];
  for (let depth = 1; level.length > 0 && (input.depth === undefined || depth <= input.depth); depth++) {
    const next: DiscoverNode[] = [];
    await Promise.all(
      level.map(async (parent) => {
        const refs = await target.referrers(parent, { ...opts, ...(input.artifactType ? { artifactType: input.artifactType } : {}) });
        for (const r of refs) {
          if (input.artifactType && r.artifactType !== input.artifactType) continue;
          if (seen.has(r.digest)) continue;
          seen.add(r.digest);
          const child = node(target, r);
          parent.referrers.push(child);
          next.push(child);
        }
      }),
    );
    level = next;
  }
  return { root, subject };
}
