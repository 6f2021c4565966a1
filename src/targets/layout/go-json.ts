import type { Descriptor } from '../../oci/descriptor';

/**
 * JSON as Go's encoding/json writes it, so index.json we write is byte-for-byte what oras (oras-go's
 * content/oci store) would write for the same content: struct fields in declaration order, map
 * keys sorted by bytes, and <, >, &, U+2028, U+2029 escaped inside strings.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A map[string]string as Go marshals it: keys in byte order. */
export function sortedMap(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort(byteOrder)) out[k] = m[k]!;
  return out;
}


/** ocispec.Descriptor field order; fields Go does not know are dropped, as oras drops them. */
export function goDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) out.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) out.annotations = sortedMap(d.annotations);
  if (d.data) out.data = d.data;
  if (d.platform) {
    const p = d.platform as Record<string, unknown>;
    // ocispec.Platform: architecture and os always, the rest omitempty.
    const ordered: Record<string, unknown> = { architecture: p.architecture ?? '', os: p.os ?? '' };
    if (p['os.version']) ordered['os.version'] = p['os.version'];
    if (Array.isArray(p['os.features']) && p['os.features'].length) ordered['os.features'] = p['os.features'];
    if (p.variant) ordered.variant = p.variant;
    out.platform = ordered as Descriptor['platform'];
  }
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}
