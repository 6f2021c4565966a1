import { throwIfAborted } from '../errors';
import type { Descriptor } from '../oci/descriptor';
import { subjectOf, successors } from '../oci/manifest';
import type { BlobOrigin, Target } from '../targets/target';
import { DEFAULT_CONCURRENCY, Limiter, ProgressTracker, type OpContext } from './context';
import { fetchParsed, fetchSelected, isManifest } from './graph';
import { ReferrerChecks } from './referrers-heal';
import { childAbort, transferOne } from './transfer';

export interface CopyInput {
  selector: string | undefined;
  /** Tags to give the root at the destination; empty: the source tag when there was one. */
  tags: string[];
  recursive?: boolean;
  concurrency?: number;
  platform?: string;
  noCache?: boolean;
}

/** Parallel small requests (manifests, referrers lists) of one copy. */
const MANIFEST_CONCURRENCY = 16;

export interface CopyStats {
  manifests: number;
  blobs: number;
  mounted: number;
  skipped: number;
  healed: number;
  /** Referrers the destination's listing lacked after the copy, put again until it showed them. */
  referrersHealed: number;
  bytes: number;
}

export interface CopyOutcome {
  descriptor: Descriptor;
  tags: string[];
  stats: CopyStats;
}

/**
 * Copies a manifest's graph — and with `recursive`, the referrers of every manifest in it, at
 * every level — from one target to another. Children always land before their parents and
 * referrers after their subjects, so a cancelled or failed copy leaves no manifest whose content
 * is missing. A manifest already at the destination does not end the walk: its children are
 * still checked (cheaply, through the destination's record of known blobs) and any missing one
 * is copied, which heals a partial destination.
 */
export async function copy(src: Target, dst: Target, input: CopyInput, ctx: OpContext): Promise<CopyOutcome> {
  const abort = childAbort(ctx.signal);
  const signal = abort.signal;
  const readOpts = { signal, ...(input.noCache ? { noCache: true } : {}) };
  // Fetched by tag in one request; the walk below then finds it in the manifest cache.
  const root = (await fetchSelected(src, input.selector, { ...readOpts, ...(input.platform ? { platform: input.platform } : {}), what: 'source' })).descriptor;
  const tags = input.tags.length ? input.tags : input.selector && !input.selector.includes(':') && !input.platform ? [input.selector] : [];

  const stats: CopyStats = { manifests: 0, blobs: 0, mounted: 0, skipped: 0, healed: 0, referrersHealed: 0, bytes: 0 };
  const checks = ctx.referrerChecks ?? new ReferrerChecks();
  const tracker = new ProgressTracker('copy', ctx.progress);
  // Blob transfers move bytes: `concurrency` of them. Manifest work is small requests (and may
  // wait on a referrers-index lock): it gets its own, wider limit so it never starves transfers.
  const blobs = new Limiter(Math.max(1, input.concurrency ?? DEFAULT_CONCURRENCY));
  const small = new Limiter(Math.max(MANIFEST_CONCURRENCY, input.concurrency ?? 0));
  const origin: BlobOrigin | undefined =
    src.kind === 'registry' && dst.kind === 'registry' && src.location === dst.location && src.repository && src.repository !== dst.repository
      ? { registry: src.location, repository: src.repository }
      : undefined;

  const done = new Map<string, Promise<boolean>>();
  /** Referrer walks started (recursive): awaited to the last before the copy answers. */
  const walks: Promise<void>[] = [];
  const walked = new Set<string>();

  /** Copies one node and everything under it; resolves true when something had to be written. */
  const copyNode = (desc: Descriptor, tag?: string): Promise<boolean> => {
    const key = tag ? `${desc.digest}#${tag}` : desc.digest;
    let p = done.get(key);
    if (!p) {
      p = isManifest(desc) ? copyManifest(desc, tag) : copyBlob(desc);
      done.set(key, p);
      p.catch(() => abort.abort());
    }
    return p;
  };

  const copyBlob = async (desc: Descriptor): Promise<boolean> => {
    tracker.expect(desc);
    return blobs.run(async () => {
      throwIfAborted(signal, 'copy');
      const outcome = await transferOne(dst, desc, () => src.fetchBlob(desc, { signal }), tracker, signal, origin);
      if (outcome === 'exists') stats.skipped += 1;
      else if (outcome === 'mounted') stats.mounted += 1;
      else {
        stats.blobs += 1;
        stats.bytes += desc.size;
      }
      return outcome !== 'exists';
    });
  };

  const copyManifest = async (desc: Descriptor, tag?: string): Promise<boolean> => {
    const node = await small.run(() => fetchParsed(src, desc, readOpts));
    // With recursive, the referrers list is asked for at once, while the children copy.
    const listed = input.recursive && !walked.has(node.descriptor.digest) ? small.run(() => src.referrers(node.descriptor, readOpts)) : undefined;
    listed?.catch(() => abort.abort());
    const wrote = await Promise.all(successors(node.parsed).map((c) => copyNode(c)));
    throwIfAborted(signal, 'copy');
    // Manifests are reported like blobs, so a client can show every node as oras does.
    tracker.expect(node.descriptor);
    const written = await small.run(async () => {
      tracker.started(node.descriptor);
      const present = await dst.exists(node.descriptor, { signal });
      if (present && wrote.some(Boolean)) stats.healed += 1;
      if (present && !tag) {
        stats.skipped += 1;
        tracker.finished(node.descriptor, 'exists');
        return false;
      }
      await dst.pushManifest(node.descriptor, node.bytes, tag, { signal });
      if (!present) stats.manifests += 1;
      tracker.finished(node.descriptor, present ? 'exists' : 'done');
      return !present;
    });
    // Referrers go in after their subject, each with its own graph and referrers in turn. Once
    // a subject's referrers are in, the destination's listing of it must show them all.
    if (listed && !walked.has(node.descriptor.digest)) {
      walked.add(node.descriptor.digest);
      const walk = listed.then(async (listing) => {
        const refs = listing.map((r): Descriptor => ({ mediaType: r.mediaType, digest: r.digest, size: r.size }));
        await Promise.all(refs.map((r) => copyNode(r)));
        // A registry lists only manifests that declare this subject; one a broken or hostile source
        // listed without declaring it is copied, but no listing will ever show it.
        const parsed = await Promise.all(refs.map((r) => fetchParsed(src, r, readOpts)));
        const written = refs
          .map((descriptor, i) => ({ descriptor, fetched: parsed[i]! }))
          .filter(({ fetched }) => subjectOf(fetched.parsed)?.digest === node.descriptor.digest)
          .map(({ descriptor, fetched }) => ({ descriptor, bytes: () => fetched.bytes }));
        const healed = await checks.ensureListed(dst, node.descriptor, written, signal);
        stats.referrersHealed += healed;
      });
      walk.catch(() => abort.abort());
      walks.push(walk);
    }
    return written;
  };

  try {
    await copyNode(root, tags[0]);
    for (const t of tags.slice(1)) await dst.tag(root, t, { signal });
    // Walks add walks as they find referrers of referrers; wait for the last one.
    for (let i = 0; i < walks.length; i++) await walks[i];
  } catch (e) {
    abort.abort();
    throw e;
  }
  return { descriptor: { mediaType: root.mediaType, digest: root.digest, size: root.size }, tags, stats };
}
