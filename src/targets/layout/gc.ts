import type { Descriptor } from '../../oci/descriptor';
import { removeDigests, tagOf, type IndexFile } from './index-file';
import { referrersMap, walk, type LoadManifest } from './graph';

export interface DeletePlan {
  /** index.json without the deleted manifests. */
  index: IndexFile;
  /** The manifests deleted: the one asked for and, recursively, its referrers. */
  manifests: Set<string>;
  /** Every blob file to remove: those manifests and whatever only they kept alive. */
  blobs: Set<string>;
  /** Remaining manifests that could not be read, which stopped the sweep. */
  unreadable: string[];
}

/**
 * Plans a manifest deletion as `oras manifest delete --oci-layout` (oras-go's Store.Delete with
 * AutoGC) behaves, found by reading oras-go and by experiment:
 * - the manifest's referrers are deleted with it, recursively, tagged or not;
 * - every index.json entry of a deleted digest goes, all its tags included;
 * - what a deleted manifest points at (config, layers, index children, recursively) goes too,
 *   unless it is tagged or still has a predecessor: a remaining manifest listing it, or a
 *   remaining referrer naming it as subject. So an index's untagged children go with the index.
 * One deliberate difference: oras-go also counts a referrer's subject as something the referrer
 * points at, so deleting the last referrer of an *untagged* subject deletes the subject, which
 * loses a manifest the user pushed by digest. Subjects are never collected here.
 * `keep` protects blobs a push in flight still needs (checked or uploaded, manifest not written).
 */
export async function planDelete(
  target: Descriptor,
  index: IndexFile,
  load: LoadManifest,
  keep: (digest: string) => boolean,
  signal?: AbortSignal,
): Promise<DeletePlan> {
  const before = await walk(index.manifests, load, signal);
  const referrers = referrersMap(before.manifests);

  const doomed = new Map<string, Descriptor>([[target.digest, target]]);
  const queue = [target.digest];
  while (queue.length) {
    for (const r of referrers.get(queue.shift()!) ?? []) {
      if (doomed.has(r.digest)) continue;
      doomed.set(r.digest, r);
      queue.push(r.digest);
    }
  }
  const manifests = new Set(doomed.keys());
  const next = removeDigests(index, manifests);

  // What only the deleted manifests point at, subjects aside.
  const candidates = await walk([...doomed.values()], load, signal, { subjects: false });
  // Untagged entries among those are not roots: they were listed only because oras lists every
  // manifest it stores, and go when nothing else holds them, as in oras-go.
  const roots = next.manifests.filter((e) => tagOf(e) || !candidates.digests.has(e.digest));
  const after = await walk(roots, load, signal);

  const blobs = new Set(manifests);
  // An unreadable manifest that stays may point at anything: sweeping would guess, so only the
  // deleted manifests go and their content waits for a later delete.
  const unsure = after.unreadable.size > 0;
  if (!unsure) for (const d of candidates.digests) if (!after.digests.has(d) && !keep(d)) blobs.add(d);
  const gone = new Set([...blobs].filter((d) => !manifests.has(d)));
  return { index: removeDigests(next, gone), manifests, blobs, unreadable: [...after.unreadable.keys()] };
}
