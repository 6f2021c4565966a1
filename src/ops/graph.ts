import { ErrorCodes, OrasdError, isNotFound } from '../errors';
import type { Descriptor } from '../oci/descriptor';
import { isManifestMediaType } from '../oci/mediatypes';
import { matchPlatform, parseManifest, type ParsedManifest } from '../oci/manifest';
import type { CallOptions, Target } from '../targets/target';

export interface FetchedNode {
  descriptor: Descriptor;
  bytes: Buffer;
  parsed: ParsedManifest;
}

/** Fetches (verified by the target) and parses a manifest. */
export async function fetchParsed(target: Target, what: Descriptor | string, opts: CallOptions = {}): Promise<FetchedNode> {
  const { descriptor, bytes } = await target.fetchManifest(what, opts);
  const parsed = parseManifest(bytes, descriptor.mediaType, `manifest ${target.reference(descriptor.digest)}`);
  return { descriptor: { ...descriptor, mediaType: parsed.mediaType }, bytes, parsed };
}

/**
 * Resolves a tag or digest to a manifest descriptor; with a platform, an index is narrowed to
 * the matching child, as oras's --platform does.
 */
export async function resolveSelector(target: Target, selector: string | undefined, opts: CallOptions & { platform?: string; what?: string } = {}): Promise<Descriptor> {
  if (!selector) {
    throw new OrasdError(ErrorCodes.InvalidReference, `${opts.what ?? 'reference'} ${target.reference()} names no tag or digest`, {
      reference: target.reference(),
      registry: target.location,
      hint: 'add :tag or @sha256:<digest>',
    });
  }
  let desc: Descriptor;
  try {
    desc = await target.resolve(selector, opts);
  } catch (e) {
    if (isNotFound(e)) {
      const status = (e as OrasdError).data.status;
      throw new OrasdError(ErrorCodes.ManifestUnknown, `${opts.what ?? 'manifest'} ${target.reference(selector)} not found`, {
        reference: target.reference(selector),
        registry: target.location,
        ...(status !== undefined ? { status } : {}),
        hint: 'check the tag or digest (oras repo tags lists the tags)',
      }, { cause: e });
    }
    throw e;
  }
  if (!opts.platform) return desc;
  const node = await fetchParsed(target, desc, opts);
  if (node.parsed.kind !== 'index') {
    throw new OrasdError(ErrorCodes.InvalidArgument, `${target.reference(selector)} is not an index, so platform ${opts.platform} cannot be picked from it`, {
      reference: target.reference(selector),
      registry: target.location,
    });
  }
  const child = matchPlatform(node.parsed.json, opts.platform);
  if (!child) {
    throw new OrasdError(ErrorCodes.ManifestUnknown, `no manifest for platform ${opts.platform} in ${target.reference(selector)}`, {
      reference: target.reference(selector),
      registry: target.location,
    });
  }
  return { mediaType: child.mediaType, digest: child.digest, size: child.size };
}

export function isManifest(desc: Descriptor): boolean {
  return isManifestMediaType(desc.mediaType);
}

/** A descriptor as results show it: with the reference a user can pass back (`repo@digest`). */
export function referencedDescriptor(target: Target, d: Descriptor) {
  return {
    reference: target.reference(d.digest),
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.annotations && Object.keys(d.annotations).length ? { annotations: d.annotations } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    ...(d.data !== undefined ? { data: d.data } : {}),
  };
}
