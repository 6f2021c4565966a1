import { ErrorCodes, OrasdError } from '../errors';
import type { Descriptor } from './descriptor';
import { plainDescriptor } from './descriptor';
import { parseDigest } from './digest';
import { MAX_MANIFEST_BYTES, MediaTypes, isIndexMediaType } from './mediatypes';

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** The withdrawn artifact manifest of image-spec 1.1-rc: read for compatibility, never written. */
export interface ArtifactManifest {
  mediaType: typeof MediaTypes.ArtifactManifest;
  artifactType?: string;
  blobs?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; json: ImageManifest }
  | { kind: 'index'; mediaType: string; json: ImageIndex }
  | { kind: 'artifact'; mediaType: string; json: ArtifactManifest };

function bad(what: string, why: string): OrasdError {
  return new OrasdError(ErrorCodes.InvalidManifest, `invalid ${what}: ${why}`);
}

function checkDescriptor(d: unknown, where: string, what: string): Descriptor {
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw bad(what, `${where} is not a descriptor object`);
  const o = d as Record<string, unknown>;
  if (typeof o.mediaType !== 'string' || !o.mediaType) throw bad(what, `${where}.mediaType is missing`);
  if (typeof o.digest !== 'string') throw bad(what, `${where}.digest is missing`);
  try {
    parseDigest(o.digest);
  } catch (e) {
    throw bad(what, `${where}.digest: ${(e as Error).message}`);
  }
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw bad(what, `${where}.size is not a non-negative integer`);
  if (o.annotations !== undefined) checkAnnotations(o.annotations, `${where}.annotations`, what);
  if (o.artifactType !== undefined && typeof o.artifactType !== 'string') throw bad(what, `${where}.artifactType is not a string`);
  return o as unknown as Descriptor;
}

function checkAnnotations(a: unknown, where: string, what: string): void {
  if (!a || typeof a !== 'object' || Array.isArray(a)) throw bad(what, `${where} is not an object`);
  for (const [k, v] of Object.entries(a)) if (typeof v !== 'string') throw bad(what, `${where}["${k}"] is not a string`);
}

/**
 * Parses manifest bytes under the media type the descriptor (or Content-Type) claims. The JSON's
 * own mediaType, when present, must agree: a mismatch is how a registry or a hostile peer would
 * make one digest mean two things.
 */
/** `maxBytes`: a referrers API page is an image index whose size the listing limits bound instead. */
export function parseManifest(bytes: Uint8Array, claimedMediaType: string | undefined, what = 'manifest', maxBytes = MAX_MANIFEST_BYTES): ParsedManifest {
  if (bytes.length > maxBytes) {
    throw new OrasdError(ErrorCodes.ManifestTooLarge, `${what} is ${bytes.length} bytes, over the ${maxBytes}-byte limit`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw bad(what, `not JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad(what, 'not a JSON object');
  const o = json as Record<string, unknown>;
  const own = typeof o.mediaType === 'string' ? o.mediaType : undefined;
  if (o.mediaType !== undefined && typeof o.mediaType !== 'string') throw bad(what, 'mediaType is not a string');
  const generic = !claimedMediaType || claimedMediaType === 'application/json' || claimedMediaType === 'application/octet-stream';
  if (own && !generic && own !== claimedMediaType) throw bad(what, `its mediaType ${own} differs from the descriptor's ${claimedMediaType}`);
  const mediaType = own ?? (generic ? guessMediaType(o) : claimedMediaType!);
  if (o.annotations !== undefined) checkAnnotations(o.annotations, 'annotations', what);
  if (o.artifactType !== undefined && typeof o.artifactType !== 'string') throw bad(what, 'artifactType is not a string');
  if (o.subject !== undefined) checkDescriptor(o.subject, 'subject', what);

  if (mediaType === MediaTypes.ArtifactManifest) {
    if (o.blobs !== undefined) {
      if (!Array.isArray(o.blobs)) throw bad(what, 'blobs is not an array');
      o.blobs.forEach((d, i) => checkDescriptor(d, `blobs[${i}]`, what));
    }
    return { kind: 'artifact', mediaType, json: o as unknown as ArtifactManifest };
  }
  if (isIndexMediaType(mediaType)) {
    if (o.schemaVersion !== 2) throw bad(what, 'schemaVersion is not 2');
    if (!Array.isArray(o.manifests)) throw bad(what, 'manifests is not an array');
    o.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`, what));
    return { kind: 'index', mediaType, json: o as unknown as ImageIndex };
  }
  if (mediaType === MediaTypes.ImageManifest || mediaType === MediaTypes.DockerManifest) {
    if (o.schemaVersion !== 2) throw bad(what, 'schemaVersion is not 2');
    checkDescriptor(o.config, 'config', what);
    if (!Array.isArray(o.layers)) throw bad(what, 'layers is not an array');
    o.layers.forEach((d, i) => checkDescriptor(d, `layers[${i}]`, what));
    return { kind: 'manifest', mediaType, json: o as unknown as ImageManifest };
  }
  throw bad(what, `unsupported media type ${mediaType}`);
}

function guessMediaType(o: Record<string, unknown>): string {
  if (Array.isArray(o.manifests)) return MediaTypes.ImageIndex;
  if (o.config !== undefined) return MediaTypes.ImageManifest;
  throw bad('manifest', 'no mediaType and neither config nor manifests');
}

/** What a manifest points at, except its subject: config and layers, index children, artifact blobs. */
export function successors(m: ParsedManifest): Descriptor[] {
  switch (m.kind) {
    case 'manifest':
      return [m.json.config, ...m.json.layers];
    case 'index':
      return [...m.json.manifests];
    case 'artifact':
      return [...(m.json.blobs ?? [])];
  }
}

export function subjectOf(m: ParsedManifest): Descriptor | undefined {
  return m.json.subject;
}

/** The artifact type a referrers list shows: artifactType, else config.mediaType (image-spec rule). */
export function artifactTypeOf(m: ParsedManifest): string | undefined {
  if (m.json.artifactType) return m.json.artifactType;
  if (m.kind === 'manifest') return m.json.config.mediaType;
  return undefined;
}

/** The descriptor a referrers index holds for this manifest: with artifactType and annotations. */
export function referrerDescriptor(desc: Descriptor, m: ParsedManifest): Descriptor {
  const out: Descriptor = { mediaType: m.mediaType, digest: desc.digest, size: desc.size };
  const annotations = m.json.annotations;
  if (annotations && Object.keys(annotations).length) out.annotations = annotations;
  const at = artifactTypeOf(m);
  if (at) out.artifactType = at;
  return out;
}

/** Serializes a manifest we build, with fields in the image-spec order oras uses. */
export function encodeImageManifest(m: ImageManifest): Buffer {
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: m.mediaType ?? MediaTypes.ImageManifest };
  if (m.artifactType) out.artifactType = m.artifactType;
  out.config = plainDescriptor(m.config);
  out.layers = m.layers.map(plainDescriptor);
  if (m.subject) out.subject = plainDescriptor(m.subject);
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = m.annotations;
  return Buffer.from(JSON.stringify(out));
}

export function encodeImageIndex(m: ImageIndex): Buffer {
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: m.mediaType ?? MediaTypes.ImageIndex };
  if (m.artifactType) out.artifactType = m.artifactType;
  out.manifests = m.manifests.map(plainDescriptor);
  if (m.subject) out.subject = plainDescriptor(m.subject);
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = m.annotations;
  return Buffer.from(JSON.stringify(out));
}

/** Platform matching for `platform: "os/arch[/variant]"` on an index. */
export function parsePlatform(s: string): { os: string; architecture: string; variant?: string; osVersion?: string } {
  const [main, osVersion] = s.split(':', 2) as [string, string | undefined];
  const parts = main.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `invalid platform "${s}": expected os/arch[/variant][:os_version], e.g. linux/amd64`);
  }
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}), ...(osVersion ? { osVersion } : {}) };
}

export function matchPlatform(index: ImageIndex, platform: string): Descriptor | undefined {
  const want = parsePlatform(platform);
  return index.manifests.find((d) => {
    const p = d.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
    if (want.variant && p.variant !== want.variant) return false;
    if (want.osVersion && p['os.version'] !== want.osVersion) return false;
    return true;
  });
}
