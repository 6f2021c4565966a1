import type { Descriptor } from '../../protocol/common';
import { digestBytes } from './digest';

export type { Descriptor };

/** A descriptor for bytes held in memory. */
export function descriptorOf(mediaType: string, bytes: Uint8Array, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: digestBytes(bytes), size: bytes.length, ...extra };
}

/** Descriptors name the same content when digest and size agree (media type aside, as the spec says). */
export function sameContent(a: Pick<Descriptor, 'digest' | 'size'>, b: Pick<Descriptor, 'digest' | 'size'>): boolean {
  return a.digest === b.digest && a.size === b.size;
}

/**
 * A descriptor with only the fields the image spec defines, in the field order of Go's
 * image-spec types, so JSON we write reads like JSON oras writes.
 */
export function plainDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) out.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) out.annotations = d.annotations;
  if (d.data !== undefined) out.data = d.data;
  if (d.platform) out.platform = d.platform;
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}
