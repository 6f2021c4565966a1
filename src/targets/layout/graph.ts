import type { Descriptor } from '../../oci/descriptor';
import { referrerDescriptor, subjectOf, successors, type ParsedManifest } from '../../oci/manifest';
import { isManifestMediaType } from '../../oci/mediatypes';
import { OrasdError, throwIfAborted } from '../../errors';

/** What the graph needs from one manifest; digest-addressed, so it never goes stale. */
export interface ManifestSummary {
  digest: string;
  successors: Descriptor[];
  subject?: Descriptor;
  /** Its entry in a referrers list: mediaType, digest, size, artifactType, annotations. */
  referrer: Descriptor;
}

export function summarize(desc: Descriptor, m: ParsedManifest): ManifestSummary {
  const subject = subjectOf(m);
  return { digest: desc.digest, successors: successors(m), ...(subject ? { subject } : {}), referrer: referrerDescriptor(desc, m) };
}

/**
 * Reads a manifest of the layout: its summary, null when the blob is absent, or the error that
 * made it unreadable (corrupt, not a manifest). A walk goes on without either.
 */
export type LoadManifest = (desc: Descriptor) => Promise<ManifestSummary | null | OrasdError>;

export interface Reach {
  /** Every digest met: manifests, configs, layers, index children, subjects. */
  digests: Set<string>;
  manifests: Map<string, ManifestSummary>;
  /** Manifests present but unreadable: what they point at is unknown. */
  unreadable: Map<string, OrasdError>;
}

const WALK_CONCURRENCY = 16;

/**
 * Everything reachable from `starts` through config, layers, index children and (unless told
 * otherwise) subjects: the edges oras-go's graph follows (content.Successors includes the subject),
 * so what we keep alive and what oras keeps alive agree.
 */
export async function walk(starts: Descriptor[], load: LoadManifest, signal?: AbortSignal, opts: { subjects?: boolean } = {}): Promise<Reach> {
  const followSubjects = opts.subjects !== false;
  const digests = new Set<string>();
  const manifests = new Map<string, ManifestSummary>();
  const unreadable = new Map<string, OrasdError>();
  const queue: Descriptor[] = [];
  const visit = (d: Descriptor): void => {
    if (digests.has(d.digest)) return;
    digests.add(d.digest);
    if (isManifestMediaType(d.mediaType)) queue.push(d);
  };
  starts.forEach(visit);
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const pump = (): void => {
      if (failed) return;
      if (queue.length === 0 && active === 0) return resolve();
      while (active < WALK_CONCURRENCY && queue.length > 0) {
        const d = queue.shift()!;
        active++;
        (async () => {
          throwIfAborted(signal);
          const s = await load(d);
          if (s instanceof OrasdError) unreadable.set(d.digest, s);
          if (!s || s instanceof OrasdError) return;
          manifests.set(s.digest, s);
          s.successors.forEach(visit);
          if (s.subject && followSubjects) visit(s.subject);
        })().then(
          () => {
            active--;
            pump();
          },
          (e: unknown) => {
            failed = true;
            reject(e);
          },
        );
      }
    };
    pump();
  });
  return { digests, manifests, unreadable };
}

/** subject digest → its referrers, from the subject field of every manifest reached. */
export function referrersMap(manifests: Map<string, ManifestSummary>): Map<string, Descriptor[]> {
  const out = new Map<string, Descriptor[]>();
  for (const s of manifests.values()) {
    if (!s.subject) continue;
    const list = out.get(s.subject.digest) ?? [];
    list.push(s.referrer);
    out.set(s.subject.digest, list);
  }
  return out;
}
