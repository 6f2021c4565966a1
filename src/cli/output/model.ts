import type { Descriptor } from '../../../protocol';
import { goMap } from './json';

/** An OCI descriptor with Go's field order (ocispec.Descriptor), for `--descriptor` output. */
export function plainDescriptor(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    urls: d.urls?.length ? d.urls : undefined,
    annotations: d.annotations && Object.keys(d.annotations).length ? goMap(d.annotations) : undefined,
    data: d.data || undefined,
    platform: d.platform
      ? {
          architecture: d.platform.architecture,
          os: d.platform.os,
          'os.version': d.platform['os.version'] || undefined,
          'os.features': d.platform['os.features']?.length ? d.platform['os.features'] : undefined,
          variant: d.platform.variant || undefined,
        }
      : undefined,
    artifactType: d.artifactType || undefined,
  };
}

/** oras's model.Descriptor: the reference `<path>@<digest>` first, then what oras keeps of the descriptor. */
export function referencedDescriptor(path: string, d: Descriptor): Record<string, unknown> {
  return {
    reference: `${path}@${d.digest}`,
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    annotations: d.annotations && Object.keys(d.annotations).length ? goMap(d.annotations) : undefined,
    artifactType: d.artifactType || undefined,
  };
}

/** oras's short form of a sha256 digest in status lines: its first 12 hex digits. */
export function shortDigest(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  return m ? m[1]!.slice(0, 12) : digest;
}
