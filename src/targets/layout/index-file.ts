import type { Descriptor } from '../../oci/descriptor';
import { parseDigest } from '../../oci/digest';
import { MediaTypes } from '../../oci/mediatypes';
import { ErrorCodes, OrasdError } from '../../errors';
import { goDescriptor, goJson, sortedMap } from './go-json';

/** The annotation that makes an index.json entry a tag (image-layout.md, and how oras-go tags). */
export const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * index.json as oras-go's content/oci store keeps it: one entry per tag (the manifest's descriptor
 * with `ref.name` added), plus one entry without `ref.name` for every manifest that has no tag
 * (pushed by digest, an attached referrer, an index child, or one whose tag moved away). Every
 * manifest the layout holds is listed, which is how oras finds referrers and index children.
 */
export interface IndexFile {
  manifests: Descriptor[];
  /** Top-level annotations of index.json, kept across rewrites. */
  annotations?: Record<string, string>;
}

export function emptyIndex(): IndexFile {
  return { manifests: [] };
}

function invalid(where: string, why: string): OrasdError {
  return new OrasdError(ErrorCodes.InvalidManifest, `invalid ${where}: ${why}`, { path: where });
}

/** Parses index.json. `"manifests": null` is accepted: oras writes it after deleting the last manifest. */
export function parseIndexFile(bytes: Buffer, where: string): IndexFile {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalid(where, `not JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalid(where, 'not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.schemaVersion !== 2) throw invalid(where, 'schemaVersion is not 2');
  if (o.mediaType !== undefined && o.mediaType !== MediaTypes.ImageIndex) throw invalid(where, `mediaType ${String(o.mediaType)} is not an image index`);
  if (o.manifests !== null && o.manifests !== undefined && !Array.isArray(o.manifests)) throw invalid(where, 'manifests is not an array');
  const manifests = ((o.manifests as unknown[] | null | undefined) ?? []).map((d, i) => checkEntry(d, `${where} manifests[${i}]`));
  const out: IndexFile = { manifests };
  if (o.annotations && typeof o.annotations === 'object' && !Array.isArray(o.annotations)) {
    out.annotations = o.annotations as Record<string, string>;
  }
  return out;
}

function checkEntry(d: unknown, where: string): Descriptor {
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw invalid(where, 'not a descriptor');
  const o = d as Record<string, unknown>;
  if (typeof o.mediaType !== 'string') throw invalid(where, 'mediaType is missing');
  if (typeof o.digest !== 'string') throw invalid(where, 'digest is missing');
  try {
    parseDigest(o.digest);
  } catch (e) {
    throw invalid(where, (e as Error).message);
  }
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw invalid(where, 'size is not a non-negative integer');
  if (o.annotations !== undefined) {
    if (!o.annotations || typeof o.annotations !== 'object' || Array.isArray(o.annotations)) throw invalid(where, 'annotations is not an object');
    for (const v of Object.values(o.annotations)) if (typeof v !== 'string') throw invalid(where, 'an annotation is not a string');
  }
  return o as unknown as Descriptor;
}

/** Serialized the way oras-go marshals ocispec.Index (no trailing newline; `[]` rather than oras's `null` when empty). */
export function encodeIndexFile(idx: IndexFile): Buffer {
  const out: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaTypes.ImageIndex,
    manifests: idx.manifests.map(goDescriptor),
  };
  if (idx.annotations && Object.keys(idx.annotations).length) out.annotations = sortedMap(idx.annotations);
  return Buffer.from(goJson(out));
}

export function tagOf(d: Descriptor): string | undefined {
  const t = d.annotations?.[REF_NAME];
  return t ? t : undefined;
}

/** The descriptor without its ref.name: what oras resolves a tag or digest to. */
export function untagged(d: Descriptor): Descriptor {
  if (!d.annotations || !(REF_NAME in d.annotations)) return d;
  const { [REF_NAME]: _, ...rest } = d.annotations;
  const out: Descriptor = { ...d };
  if (Object.keys(rest).length) out.annotations = rest;
  else delete out.annotations;
  return out;
}

function withTag(d: Descriptor, tag: string): Descriptor {
  return { ...d, annotations: { ...(d.annotations ?? {}), [REF_NAME]: tag } };
}

/** oras-go loads entries in order, so when a tag appears twice the later entry wins. */
export function findTag(idx: IndexFile, tag: string): Descriptor | undefined {
  let found: Descriptor | undefined;
  for (const d of idx.manifests) if (tagOf(d) === tag) found = d;
  return found && untagged(found);
}

export function findDigest(idx: IndexFile, digest: string): Descriptor | undefined {
  const d = idx.manifests.find((e) => e.digest === digest);
  return d && untagged(d);
}

export function listTags(idx: IndexFile): string[] {
  const tags = new Set<string>();
  for (const d of idx.manifests) {
    const t = tagOf(d);
    if (t && t !== d.digest) tags.add(t);
  }
  return [...tags].sort();
}

/**
 * Records a manifest, optionally under a tag, following oras-go: a tag lives on exactly one entry;
 * the manifest it moved away from stays listed, untagged, where its entry was; a tagged manifest
 * has no untagged entry. Existing entries keep their place so diffs of index.json stay small.
 */
export function recordManifest(idx: IndexFile, desc: Descriptor, tag?: string): IndexFile {
  const plain = untagged(desc);
  if (tag === undefined) {
    if (idx.manifests.some((e) => e.digest === desc.digest)) return idx;
    return { ...idx, manifests: [...idx.manifests, plain] };
  }
  const entry = withTag(plain, tag);
  const staged: Array<Descriptor | { movedFrom: Descriptor }> = [];
  let placed = false;
  for (const e of idx.manifests) {
    const t = tagOf(e);
    if (t === tag && e.digest !== desc.digest) {
      staged.push({ movedFrom: e });
    } else if (e.digest === desc.digest && (t === tag || !t)) {
      // The same tag again, or the manifest's untagged entry: the tagged entry takes its place.
      if (!placed) staged.push(entry);
      placed = true;
    } else {
      staged.push(e);
    }
  }
  if (!placed) staged.push(entry);
  const listed = new Set<string>();
  for (const x of staged) if (!('movedFrom' in x)) listed.add(x.digest);
  const manifests: Descriptor[] = [];
  for (const x of staged) {
    if (!('movedFrom' in x)) manifests.push(x);
    else if (!listed.has(x.movedFrom.digest)) {
      listed.add(x.movedFrom.digest);
      manifests.push(untagged(x.movedFrom));
    }
  }
  return { ...idx, manifests };
}

/** Drops every entry (tagged or not) of the given digests. */
export function removeDigests(idx: IndexFile, digests: ReadonlySet<string>): IndexFile {
  return { ...idx, manifests: idx.manifests.filter((e) => !digests.has(e.digest)) };
}
