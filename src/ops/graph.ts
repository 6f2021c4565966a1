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

type SelectOptions = CallOptions & { platform?: string; what?: string };

function requireSelector(target: Target, selector: string | undefined, what = 'reference'): string {
  if (selector) return selector;
  throw new OrasdError(ErrorCodes.InvalidReference, `${what} ${target.reference()} names no tag or digest`, {
    reference: target.reference(),
    registry: target.location,
    hint: 'add :tag or @sha256:<digest>',
  });
}

/** "Not found" from the target, restated with the reference the user wrote. */
async function orNotFound<T>(target: Target, selector: string, what: string | undefined, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const status = (e as OrasdError).data.status;
    throw new OrasdError(ErrorCodes.ManifestUnknown, `${what ?? 'manifest'} ${target.reference(selector)} not found`, {
      reference: target.reference(selector),
      registry: target.location,
      ...(status !== undefined ? { status } : {}),
      hint: 'check the tag or digest (oras repo tags lists the tags)',
    }, { cause: e });
  }
}

/** The child of an index matching a platform, as oras's --platform picks it. */
function platformChild(target: Target, selector: string, node: FetchedNode, platform: string): Descriptor {
  if (node.parsed.kind !== 'index') {
    throw new OrasdError(ErrorCodes.InvalidArgument, `${target.reference(selector)} is not an index, so platform ${platform} cannot be picked from it`, {
      reference: target.reference(selector),
      registry: target.location,
    });
  }
  const child = matchPlatform(node.parsed.json, platform);
  if (!child) {
    throw new OrasdError(ErrorCodes.ManifestUnknown, `no manifest for platform ${platform} in ${target.reference(selector)}`, {
      reference: target.reference(selector),
      registry: target.location,
    });
  }
  return { mediaType: child.mediaType, digest: child.digest, size: child.size };
}

/**
 * Resolves a tag or digest to a manifest descriptor (a HEAD, or nothing when cached); with a
 * platform, an index is narrowed to the matching child. For callers that need only the descriptor.
 */
export async function resolveSelector(target: Target, selector: string | undefined, opts: SelectOptions = {}): Promise<Descriptor> {
  const sel = requireSelector(target, selector, opts.what);
  const desc = await orNotFound(target, sel, opts.what, target.resolve(sel, opts));
  if (!opts.platform) return desc;
  return platformChild(target, sel, await fetchParsed(target, desc, opts), opts.platform);
}

/**
 * The manifest a tag or digest names, fetched and parsed in one request (a GET by tag rather than
 * a HEAD then a GET by digest), narrowed to a platform's child when asked. For callers that read
 * the manifest anyway: pull, copy, manifest fetch, tag.
 */
export async function fetchSelected(target: Target, selector: string | undefined, opts: SelectOptions = {}): Promise<FetchedNode> {
  const sel = requireSelector(target, selector, opts.what);
  const node = await orNotFound(target, sel, opts.what, fetchParsed(target, sel, opts));
  if (!opts.platform) return node;
  return fetchParsed(target, platformChild(target, sel, node, opts.platform), opts);
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
