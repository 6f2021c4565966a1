import type { Readable } from 'node:stream';
import { ErrorCodes, OrasdError } from '../../errors';
import type { Descriptor } from '../../oci/descriptor';
import { digestBytes, digestMismatch, isDigest, parseDigest, verifyBytes } from '../../oci/digest';
import { parseManifest, subjectOf, successors } from '../../oci/manifest';
import { MAX_MANIFEST_BYTES, ManifestAccept, isManifestMediaType } from '../../oci/mediatypes';
import { formatReference, isValidTag } from '../../oci/reference';
import type { BlobOrigin, BlobPushOutcome, CallOptions, ManifestBytes, Target, TransferOptions } from '../target';
import { fetchBlob, headBlob, pushBlob, statBlob } from './blobs';
import { RegistryClient, type SendRequest } from './client';
import { ListingBudget, listingLimits } from '../listing-limits';
import { header, discard, readLimited, type HttpResponse } from './http';
import type { RegistryOptions } from './options';
import { PageWalk, nextLink } from './paging';
import { Referrers } from './referrers';
import { markRetryable } from './retry';
import { deleteScope, pullScope, pushScope } from './scopes';
import type { Shared } from './state';

const GENERIC_TYPES = new Set(['', 'application/json', 'application/octet-stream', 'text/plain']);

export function mediaTypeOf(res: HttpResponse): string {
  return (header(res, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function tooLarge(reference: string, registry: string, size?: number): OrasdError {
  return new OrasdError(
    ErrorCodes.ManifestTooLarge,
    `${reference}: manifest ${size !== undefined ? `of ${size} bytes ` : ''}exceeds the ${MAX_MANIFEST_BYTES}-byte limit`,
    { registry, reference },
  );
}

/** One repository of a registry, as the Target interface sees it. */
export class RegistryTarget implements Target {
  readonly kind = 'registry' as const;
  readonly name: string;
  readonly location: string;
  readonly client: RegistryClient;
  readonly repoKey: string;
  readonly referrersSupport: Referrers;
  /** What this request's listings have read so far (a target lives for one request). */
  readonly listing: ListingBudget;

  constructor(
    readonly shared: Shared,
    readonly registry: string,
    readonly repository: string,
    readonly opts: RegistryOptions = {},
  ) {
    this.client = new RegistryClient(shared, registry, opts);
    this.name = `${registry}/${repository}`;
    this.location = registry;
    this.repoKey = `${registry}/${repository}`;
    this.referrersSupport = new Referrers(this);
    this.listing = new ListingBudget(listingLimits(shared.listingLimits, opts.listingLimits), registry);
  }

  reference(selector?: string): string {
    return formatReference({ registry: this.registry, repository: this.repository }, selector);
  }

  // Cache keys name the caller's access (origin, TLS choice, credential): what one caller was
  // allowed to read is never served to another who might not be.
  manifestKey(digest: string): string {
    return `${this.repoKey}@${digest}#${this.client.identity}`;
  }
  tagKey(tag: string): string {
    return `${this.repoKey}:${tag}#${this.client.identity}`;
  }
  blobKey(digest: string): string {
    return `${this.repoKey}@${digest}#${this.client.identity}`;
  }
  /** Content gone from the registry is gone for every caller. */
  forgetBlob(digest: string): void {
    this.shared.knownBlobs.deleteGroup(`${this.repoKey}@${digest}`);
  }
  path(kind: 'manifests' | 'blobs' | 'referrers', ref: string): URL {
    return this.client.url(`/v2/${this.repository}/${kind}/${ref}`);
  }

  private selector(selector: string): string {
    if (isDigest(selector) || isValidTag(selector)) return selector;
    if (selector.includes(':')) parseDigest(selector); // throws the precise digest complaint
    throw new OrasdError(ErrorCodes.InvalidReference, `invalid tag or digest "${selector.slice(0, 140)}"`, { reference: this.reference(), registry: this.registry });
  }

  // ---- manifests --------------------------------------------------------------------------

  /** The scope of a read in this repository: pull, or pull,push when the operation will write here. */
  readScope(): string {
    return this.opts.intent === 'write' ? pushScope(this.repository) : pullScope(this.repository);
  }

  async resolve(selector: string, opts: CallOptions = {}): Promise<Descriptor> {
    const sel = this.selector(selector);
    if (isDigest(sel)) {
      const c = this.shared.manifests.get(this.manifestKey(sel));
      if (c) return { mediaType: c.mediaType, digest: sel, size: c.bytes.length };
    } else if (!opts.noCache) {
      const d = this.shared.tags.fresh(this.tagKey(sel));
      if (d) return { ...d };
    }
    const key = `${this.client.identity}|HEAD ${this.repoKey}/${sel}`;
    const d = await this.shared.headFlight.do(key, opts.signal, (signal) => this.headManifest(sel, signal));
    if (d) return { ...d };
    // No digest header: only the bytes can tell.
    const got = await this.fetchManifest(sel, { ...opts, noCache: true });
    return got.descriptor;
  }

  /** HEAD of a manifest: its descriptor, or undefined when the registry gives no digest header. */
  private async headManifest(sel: string, signal?: AbortSignal): Promise<Descriptor | undefined> {
    const res = await this.client.send({ method: 'HEAD', url: this.path('manifests', sel), headers: { accept: ManifestAccept }, scopes: [this.readScope()], signal });
    await discard(res);
    if (res.status !== 200) {
      if (res.status === 404) this.forgetManifest(sel);
      throw await this.client.fail(res, { reference: this.reference(sel), subject: 'manifest' });
    }
    const digest = header(res, 'docker-content-digest');
    const mediaType = mediaTypeOf(res);
    const size = Number(header(res, 'content-length'));
    if (isDigest(sel) && digest && digest !== sel) {
      throw digestMismatch(`manifest ${this.reference(sel)}`, sel, digest).withContext({ registry: this.registry, reference: this.reference(sel) });
    }
    const d = digest ?? (isDigest(sel) ? sel : undefined);
    if (!d || !isDigest(d) || GENERIC_TYPES.has(mediaType) || !Number.isSafeInteger(size) || size < 0) return undefined;
    if (size > MAX_MANIFEST_BYTES) throw tooLarge(this.reference(sel), this.registry, size);
    const desc: Descriptor = { mediaType, digest: d, size };
    if (!isDigest(sel)) this.shared.tags.set(this.tagKey(sel), desc);
    return desc;
  }

  async fetchManifest(target: Descriptor | string, opts: CallOptions = {}): Promise<ManifestBytes> {
    if (typeof target !== 'string') return this.fetchByDigest(target.digest, target, opts);
    const sel = this.selector(target);
    if (isDigest(sel)) return this.fetchByDigest(sel, undefined, opts);
    if (!opts.noCache) {
      const d = this.shared.tags.fresh(this.tagKey(sel));
      const c = d && this.shared.manifests.get(this.manifestKey(d.digest));
      if (d && c) return { descriptor: { ...d }, bytes: c.bytes };
    }
    const key = `${this.client.identity}|GET ${this.tagKey(sel)}`;
    const got = await this.shared.manifestFlight.do(key, opts.signal, (signal) => this.getManifest(sel, undefined, signal));
    return { descriptor: { ...got.descriptor }, bytes: got.bytes };
  }

  private async fetchByDigest(digest: string, desc: Descriptor | undefined, opts: CallOptions): Promise<ManifestBytes> {
    parseDigest(digest);
    const c = this.shared.manifests.get(this.manifestKey(digest));
    let got: { descriptor: Descriptor; bytes: Buffer };
    if (c) got = { descriptor: { mediaType: c.mediaType, digest, size: c.bytes.length }, bytes: c.bytes };
    else {
      const key = `${this.client.identity}|GET ${this.manifestKey(digest)}`;
      got = await this.shared.manifestFlight.do(key, opts.signal, (signal) => this.getManifest(digest, digest, signal));
    }
    if (desc && desc.size >= 0 && desc.size !== got.bytes.length) verifyBytes(got.bytes, desc, `manifest ${this.reference(digest)}`);
    return { descriptor: desc ? { ...desc } : { ...got.descriptor }, bytes: got.bytes };
  }

  /** GET of a manifest, verified, then cached. `digest` is set when fetching by digest. */
  async getManifest(ref: string, digest: string | undefined, signal?: AbortSignal): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
    const reference = this.reference(ref);
    const req = { method: 'GET', url: this.path('manifests', ref), headers: { accept: ManifestAccept }, scopes: [this.readScope()], signal };
    return this.client.sendAndRead(req, async (res) => {
      if (res.status !== 200) {
        if (res.status === 404) this.forgetManifest(ref);
        throw await this.client.fail(res, { reference, subject: 'manifest' });
      }
      const length = Number(header(res, 'content-length'));
      if (Number.isFinite(length) && length > MAX_MANIFEST_BYTES) throw tooLarge(reference, this.registry, length);
      const bytes = await readLimited(res.body, MAX_MANIFEST_BYTES, () => tooLarge(reference, this.registry));
      const what = `manifest ${reference}`;
      let actual: string;
      if (digest) {
        verifyBytes(bytes, { digest, size: -1 }, what);
        actual = digest;
      } else {
        const claimed = header(res, 'docker-content-digest');
        if (claimed && isDigest(claimed)) {
          verifyBytes(bytes, { digest: claimed, size: -1 }, what);
          actual = claimed;
        } else actual = digestBytes(bytes);
      }
      let mediaType = mediaTypeOf(res);
      if (GENERIC_TYPES.has(mediaType)) mediaType = parseManifest(bytes, undefined, what).mediaType;
      const descriptor: Descriptor = { mediaType, digest: actual, size: bytes.length };
      this.shared.manifests.set(this.manifestKey(actual), { mediaType, bytes });
      if (!digest) this.shared.tags.set(this.tagKey(ref), descriptor);
      return { descriptor, bytes };
    });
  }

  /** A 404 or a delete: nothing cached may claim the manifest still exists. */
  forgetManifest(ref: string): void {
    if (isDigest(ref)) {
      this.shared.manifests.deleteGroup(`${this.repoKey}@${ref}`);
      this.shared.tags.deleteWithValue(`${this.repoKey}:`, ref);
    } else this.shared.tags.deleteName(`${this.repoKey}:${ref}`);
  }

  async exists(desc: Descriptor, opts: CallOptions = {}): Promise<boolean> {
    parseDigest(desc.digest);
    if (!isManifestMediaType(desc.mediaType)) return headBlob(this, desc, opts.signal, true);
    const res = await this.client.send({ method: 'HEAD', url: this.path('manifests', desc.digest), headers: { accept: ManifestAccept }, scopes: [this.readScope()], signal: opts.signal });
    await discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) {
      this.forgetManifest(desc.digest);
      return false;
    }
    throw await this.client.fail(res, { reference: this.reference(desc.digest), subject: 'manifest' });
  }

  /** PUT of manifest bytes under a tag or digest; no referrers bookkeeping. */
  async putManifest(desc: Descriptor, bytes: Buffer, ref: string, signal?: AbortSignal): Promise<HttpResponse> {
    const res = await this.client.send({
      method: 'PUT',
      url: this.path('manifests', ref),
      headers: { 'content-type': desc.mediaType },
      body: bytes,
      scopes: [pushScope(this.repository)],
      signal,
    });
    if (res.status < 200 || res.status > 299) {
      const err = await this.client.fail(res, { reference: this.reference(ref), subject: 'manifest' });
      if (err.is(ErrorCodes.ManifestBlobUnknown)) this.forgetSuccessors(desc, bytes);
      throw err;
    }
    await discard(res);
    const said = header(res, 'docker-content-digest');
    if (said && isDigest(said) && said !== desc.digest) {
      throw digestMismatch(`manifest pushed to ${this.reference(ref)}`, desc.digest, said).withContext({ registry: this.registry });
    }
    const plain: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    this.shared.manifests.set(this.manifestKey(desc.digest), { mediaType: desc.mediaType, bytes });
    if (!isDigest(ref)) this.shared.tags.set(this.tagKey(ref), plain);
    return res;
  }

  /** The registry says a blob is missing: our record of it existing is stale. */
  private forgetSuccessors(desc: Descriptor, bytes: Buffer): void {
    try {
      for (const d of successors(parseManifest(bytes, desc.mediaType))) this.forgetBlob(d.digest);
    } catch {
      // unparsable: nothing to forget
    }
  }

  async pushManifest(desc: Descriptor, bytes: Buffer, tag?: string, opts: CallOptions = {}): Promise<void> {
    verifyBytes(bytes, desc, `manifest ${desc.digest}`);
    if (tag !== undefined && !isValidTag(tag)) this.selector(tag);
    let subject: Descriptor | undefined;
    if (isManifestMediaType(desc.mediaType) && bytes.includes('"subject"')) {
      subject = subjectOf(parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`));
    }
    const put = () => this.putManifest(desc, bytes, tag ?? desc.digest, opts.signal);
    if (!subject) {
      await put();
      return;
    }
    const res = await this.referrersSupport.putInOrder(subject.digest, put, opts.signal);
    await this.referrersSupport.onPush(desc, bytes, subject, res, opts.signal);
  }

  async tag(desc: Descriptor, tag: string, opts: CallOptions = {}): Promise<void> {
    if (!isValidTag(tag)) this.selector(tag);
    const { bytes } = await this.fetchManifest(desc, opts);
    await this.putManifest(desc, bytes, tag, opts.signal);
  }

  async deleteManifest(desc: Descriptor, opts: CallOptions = {}): Promise<void> {
    parseDigest(desc.digest);
    // The subject is only readable before the delete; needed only where we keep the index ourselves.
    let subject: Descriptor | undefined;
    if (this.referrersSupport.mayNeedIndex() && isManifestMediaType(desc.mediaType)) {
      const { bytes } = await this.fetchManifest(desc, opts);
      subject = subjectOf(parseManifest(bytes, desc.mediaType, `manifest ${this.reference(desc.digest)}`));
    }
    await this.deleteByDigest('manifests', desc.digest, opts.signal);
    if (subject) await this.referrersSupport.onDelete(desc, subject, opts.signal);
  }

  async deleteBlob(desc: Descriptor, opts: CallOptions = {}): Promise<void> {
    parseDigest(desc.digest);
    await this.deleteByDigest('blobs', desc.digest, opts.signal);
  }

  /** DELETE by digest; evicts what we knew about it whatever the outcome. */
  async deleteByDigest(kind: 'manifests' | 'blobs', digest: string, signal?: AbortSignal): Promise<void> {
    let tags: string[] = [];
    if (kind === 'blobs') this.forgetBlob(digest);
    else {
      const prefix = `${this.repoKey}:`;
      tags = [...new Set(this.shared.tags.keysWithValue(prefix, digest).map((k) => k.slice(prefix.length, k.indexOf('#', prefix.length))))];
      this.forgetManifest(digest);
    }
    const res = await this.client.send({ method: 'DELETE', url: this.path(kind, digest), scopes: [deleteScope(this.repository)], signal });
    if (res.status < 200 || res.status > 299) {
      throw await this.client.fail(res, { reference: this.reference(digest), subject: kind === 'blobs' ? 'blob' : 'manifest' });
    }
    await discard(res);
    for (const tag of tags) await this.dropDanglingTag(tag, digest, signal);
  }

  /**
   * Some registries (ggcr) keep a tag whose manifest was deleted by digest, so the tag still
   * resolves to content that is gone. Tags we know pointed there are checked and deleted too;
   * on registries that drop them with the manifest (distribution) this costs one HEAD each.
   */
  private async dropDanglingTag(tag: string, digest: string, signal?: AbortSignal): Promise<void> {
    try {
      const head = await this.client.send({ method: 'HEAD', url: this.path('manifests', tag), headers: { accept: ManifestAccept }, scopes: [this.readScope()], signal });
      await discard(head);
      if (head.status !== 200 || header(head, 'docker-content-digest') !== digest) return;
      const res = await this.client.send({ method: 'DELETE', url: this.path('manifests', tag), scopes: [deleteScope(this.repository)], signal });
      await discard(res);
      this.shared.log.debug({ registry: this.registry, repository: this.repository, tag, status: res.status }, 'deleted a tag left pointing at a deleted manifest');
    } catch (e) {
      this.shared.log.debug({ registry: this.registry, repository: this.repository, tag, error: (e as Error).message }, 'could not check a tag of a deleted manifest');
    }
  }

  // ---- blobs ------------------------------------------------------------------------------

  fetchBlob(desc: Descriptor, opts: TransferOptions = {}): Promise<Readable> {
    return fetchBlob(this, desc, opts);
  }

  statBlob(digest: string, opts: CallOptions = {}): Promise<Descriptor> {
    return statBlob(this, digest, opts.signal);
  }

  pushBlob(desc: Descriptor, open: () => Readable | Promise<Readable>, opts: TransferOptions & { origin?: BlobOrigin } = {}): Promise<BlobPushOutcome> {
    return pushBlob(this, desc, open, opts);
  }

  // ---- listings ---------------------------------------------------------------------------

  async tags(opts: CallOptions & { last?: string } = {}): Promise<string[]> {
    const first = this.client.url(`/v2/${this.repository}/tags/list`);
    return listPages(this.client, first, opts, 'tags', this.reference(), [this.readScope()], this.shared.pageSize, this.listing);
  }

  referrers(subject: Descriptor, opts: CallOptions & { artifactType?: string } = {}): Promise<Descriptor[]> {
    return this.referrersSupport.list(subject, opts);
  }
}

/**
 * Follows a paged listing (`tags` or `repositories`). Registries that honour `n`/`last` but send
 * no Link header (ggcr) are paged by `last` while pages come back full. Every page counts against
 * the request's listing budget; going past it fails the listing rather than cutting it short.
 */
export async function listPages(
  client: RegistryClient,
  first: URL,
  opts: CallOptions & { last?: string },
  field: 'tags' | 'repositories',
  reference: string,
  scopes: string[],
  pageSize: number,
  budget: ListingBudget,
): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = new PageWalk(budget, client.registry, field === 'tags' ? `the tags of ${reference}` : `the repositories of ${client.registry}`, reference);
  let url: URL | undefined = new URL(first);
  url.searchParams.set('n', String(pageSize));
  if (opts.last) url.searchParams.set('last', opts.last);
  // Names must sort after the `last` we sent: ggcr answers a `last` past the end with everything.
  let after = opts.last;
  while (url) {
    walk.enter(url);
    const req: SendRequest = { method: 'GET', url, headers: { accept: 'application/json' }, scopes, signal: opts.signal };
    const page: { names: string[]; next: URL | undefined } = await client.sendAndRead(req, async (res) => {
      if (res.status !== 200) throw await client.fail(res, { reference, subject: field === 'tags' ? 'repository' : 'registry' });
      const body = await walk.read(res);
      let list: unknown;
      try {
        list = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[field];
      } catch {
        throw markRetryable(new OrasdError(ErrorCodes.RegistryError, `${reference}: the ${field} list is not JSON`, { registry: client.registry, reference }));
      }
      if (Array.isArray(list)) budget.addEntries(list.length, walk.what, reference);
      const names = Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string' && (after === undefined || t > after)) : [];
      return { names, next: nextLink(res, client.registry) };
    });
    const { names, next } = page;
    let fresh = 0;
    for (const n of names) {
      if (!seen.has(n)) {
        seen.add(n);
        out.push(n);
        fresh++;
      }
    }
    if (next) {
      url = next;
      after = undefined;
    } else if (names.length >= pageSize && fresh > 0) {
      after = names[names.length - 1]!;
      url = new URL(first);
      url.searchParams.set('n', String(pageSize));
      url.searchParams.set('last', after);
    } else url = undefined;
  }
  return out;
}
