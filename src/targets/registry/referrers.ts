import { ErrorCodes, OrasdError, isNotFound } from '../../errors';
import { descriptorOf, type Descriptor } from '../../oci/descriptor';
import { isDigest } from '../../oci/digest';
import { encodeImageIndex, parseManifest, referrerDescriptor, type ImageIndex } from '../../oci/manifest';
import { ManifestAccept, MediaTypes, isIndexMediaType } from '../../oci/mediatypes';
import { referrersTag } from '../../oci/reference';
import type { CallOptions } from '../target';
import { parseOciErrors } from './errors';
import { discard, header, readErrorBody, type HttpResponse } from './http';
import { PageWalk, nextLink } from './paging';
import type { SendRequest } from './client';
import { mediaTypeOf, type RegistryTarget } from './repository';
import { markRetryable } from './retry';
import type { WrittenIndex } from './state';

type Change = { add: Descriptor } | { remove: string };

export interface PendingChange {
  change: Change;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface CurrentIndex {
  descriptor?: Descriptor;
  manifests: Descriptor[];
  /** Bytes of the index as read (0 when it came from this daemon's own record). */
  bytes: number;
}

const FILTERS_ANNOTATION = 'org.opencontainers.referrers.filtersApplied';

/**
 * Referrers of a repository: the registry's referrers API where it has one, else the
 * distribution-spec tag schema (an image index under tag `sha256-<hex>` of the subject) that this
 * class keeps up to date on push and delete.
 */
export class Referrers {
  constructor(private readonly t: RegistryTarget) {}

  private get forced(): boolean | undefined {
    const spec = this.t.opts.distributionSpec;
    return spec === 'v1.1-referrers-api' ? true : spec === 'v1.1-referrers-tag' ? false : undefined;
  }

  /** Whether a delete might have to edit a fallback index (so the subject must be read first). */
  mayNeedIndex(): boolean {
    return (this.forced ?? this.t.shared.referrersApi.get(this.t.repoKey)) !== true;
  }

  private subjectLockKey(subject: string): string {
    return `${this.t.repoKey}/${subject}`;
  }

  /**
   * Whether the repository serves the referrers API: forced by distributionSpec, told by the
   * OCI-Subject header (or its absence) on a manifest PUT, remembered, or probed once (GET
   * referrers: 200 index → yes, 404 → no) when a delete comes before any push.
   */
  async usesApi(subject: string, putResponse?: HttpResponse, signal?: AbortSignal): Promise<boolean> {
    if (this.forced !== undefined) return this.forced;
    const { shared } = this.t;
    if (putResponse && header(putResponse, 'oci-subject')) {
      shared.referrersApi.set(this.t.repoKey, true);
      return true;
    }
    const known = shared.referrersApi.get(this.t.repoKey);
    if (known !== undefined) return known;
    // A manifest with a subject went in without OCI-Subject in the answer: by the spec, the
    // registry does not process subjects, so the client keeps the tag-schema index (oras-go does
    // the same) — no probe round trip needed.
    if (putResponse) {
      shared.referrersApi.set(this.t.repoKey, false);
      return false;
    }
    const probed = await shared.probeFlight.do(`${this.t.client.identity}|${this.t.repoKey}`, signal, (sig) => this.probe(subject, sig));
    return probed ?? false;
  }

  private async probe(subject: string, signal?: AbortSignal): Promise<boolean | undefined> {
    const res = await this.t.client.send({ method: 'GET', url: this.t.path('referrers', subject), headers: { accept: MediaTypes.ImageIndex }, scopes: [this.t.readScope()], signal });
    let answer: boolean | undefined;
    if (res.status === 200) answer = isIndexMediaType(mediaTypeOf(res));
    else if (res.status === 404) {
      const errors = parseOciErrors(await readErrorBody(res));
      // NAME_UNKNOWN: the repository is not there, which says nothing about the API.
      answer = errors.some((e) => e.code === 'NAME_UNKNOWN') ? undefined : false;
    }
    await discard(res);
    if (answer !== undefined) this.t.shared.referrersApi.set(this.t.repoKey, answer);
    else this.t.shared.log.debug({ registry: this.t.registry, repository: this.t.repository, status: res.status }, 'referrers probe inconclusive; using the tag schema');
    return answer;
  }

  /**
   * Runs the PUT of a manifest that has a subject. Where the registry keeps the listing itself
   * (the API), this daemon's PUTs of one subject's referrers go one at a time: some registries
   * (olareg) update their listing with a read-modify-write that drops entries when two PUTs of
   * one subject overlap. Other subjects go on in parallel. Where we keep the fallback index,
   * change() already serializes (and batches) the index updates. Until the repository's answer
   * is known, the first such PUT goes alone and tells (OCI-Subject); the others wait for it.
   */
  async putInOrder(subject: string, put: () => Promise<HttpResponse>, signal?: AbortSignal): Promise<HttpResponse> {
    const state = () => this.forced ?? this.t.shared.referrersApi.get(this.t.repoKey);
    const inOrder = () => this.t.shared.indexLocks.run(this.subjectLockKey(subject), put);
    if (state() === undefined) {
      const first = await this.t.shared.indexLocks.run(`${this.t.repoKey}#referrers-api`, async () => {
        if (state() !== undefined) return undefined;
        const res = await inOrder();
        await this.usesApi(subject, res, signal);
        return res;
      });
      if (first) return first;
    }
    return state() === false ? put() : inOrder();
  }

  async onPush(desc: Descriptor, bytes: Buffer, subject: Descriptor, res: HttpResponse, signal?: AbortSignal): Promise<void> {
    if (await this.usesApi(subject.digest, res, signal)) return;
    const entry = referrerDescriptor(desc, parseManifest(bytes, desc.mediaType));
    await this.change(subject.digest, { add: entry });
  }

  async onDelete(desc: Descriptor, subject: Descriptor, signal?: AbortSignal): Promise<void> {
    if (await this.usesApi(subject.digest, undefined, signal)) return;
    await this.change(subject.digest, { remove: desc.digest });
  }

  /**
   * Queues a change to a subject's fallback index. Changes that pile up while another update of
   * the same subject holds the lock are applied together in one read-modify-write, so 50
   * concurrent attaches make a handful of index versions, not 50. Once started, an update is not
   * cancelled: the manifest it records is already in the registry.
   */
  private change(subject: string, change: Change): Promise<void> {
    const lockKey = this.subjectLockKey(subject);
    const batchKey = `${this.t.client.identity}|${lockKey}`;
    const pendingChanges = this.t.shared.pendingIndexChanges;
    const done = new Promise<void>((resolve, reject) => {
      const list = pendingChanges.get(batchKey) ?? [];
      list.push({ change, resolve, reject });
      pendingChanges.set(batchKey, list);
    });
    void this.t.shared.indexLocks.run(lockKey, async () => {
      const batch = pendingChanges.get(batchKey);
      if (!batch?.length) return;
      pendingChanges.delete(batchKey);
      try {
        await this.applyBatch(subject, batch.map((p) => p.change));
        for (const p of batch) p.resolve();
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    });
    return done;
  }

  private async applyBatch(subject: string, changes: Change[]): Promise<void> {
    const t = this.t;
    const tag = referrersTag(subject);
    const memKey = this.subjectLockKey(subject);
    const current = await this.load(subject, 'update');
    const list = [...current.manifests];
    for (const c of changes) {
      if ('add' in c) {
        const i = list.findIndex((d) => d.digest === c.add.digest);
        if (i >= 0) list[i] = c.add;
        else list.push(c.add);
      } else {
        for (let i = list.length - 1; i >= 0; i--) if (list[i]!.digest === c.remove) list.splice(i, 1);
      }
    }
    if (JSON.stringify(list) === JSON.stringify(current.manifests)) return;

    if (list.length > 0) {
      const bytes = encodeImageIndex({ schemaVersion: 2, mediaType: MediaTypes.ImageIndex, manifests: list });
      const desc = descriptorOf(MediaTypes.ImageIndex, bytes);
      await t.putManifest(desc, bytes, tag);
      t.shared.writtenIndexes.set(memKey, { descriptor: desc, manifests: list });
      if (current.descriptor && current.descriptor.digest !== desc.digest) await this.deleteQuietly(current.descriptor.digest);
      return;
    }
    // Nothing refers to the subject any more. Deleting the old index leaves no trace (distribution
    // drops the tag with its manifest); where that is refused, or the tag outlives the delete, an
    // empty index under the tag keeps `oras discover` showing nothing rather than stale entries.
    t.shared.writtenIndexes.delete(memKey);
    if (!current.descriptor) return;
    const deleted = await this.deleteQuietly(current.descriptor.digest);
    if (deleted && !(await this.tagExists(tag))) return;
    const bytes = encodeImageIndex({ schemaVersion: 2, mediaType: MediaTypes.ImageIndex, manifests: [] });
    const desc = descriptorOf(MediaTypes.ImageIndex, bytes);
    await t.putManifest(desc, bytes, tag);
    t.shared.writtenIndexes.set(memKey, { descriptor: desc, manifests: [] });
  }

  private async tagExists(tag: string): Promise<boolean> {
    const res = await this.t.client.send({ method: 'HEAD', url: this.t.path('manifests', tag), headers: { accept: ManifestAccept }, scopes: [this.t.readScope()] });
    await discard(res);
    if (res.status === 404) {
      this.t.forgetManifest(tag);
      return false;
    }
    return true;
  }

  /** Garbage-collects a superseded index; best effort, as registries may forbid deletes. */
  private async deleteQuietly(digest: string): Promise<boolean> {
    try {
      await this.t.deleteByDigest('manifests', digest);
      return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      this.t.shared.log.debug({ registry: this.t.registry, repository: this.t.repository, digest, error: (e as Error).message }, 'old referrers index not deleted');
      return false;
    }
  }

  /**
   * The subject's fallback index. For an update, the one this daemon wrote last is revalidated by
   * a HEAD of the tag instead of being fetched again; anything else under the tag is read and must
   * be an index. A listing goes through the manifest and tag caches (`fresh` bypasses them).
   */
  private async load(subject: string, mode: 'update' | 'read' | 'fresh', signal?: AbortSignal): Promise<CurrentIndex> {
    const t = this.t;
    const tag = referrersTag(subject);
    const memKey = this.subjectLockKey(subject);
    const mem: WrittenIndex | undefined = mode === 'update' ? t.shared.writtenIndexes.get(memKey) : undefined;
    if (mem) {
      const res = await t.client.send({ method: 'HEAD', url: t.path('manifests', tag), headers: { accept: ManifestAccept }, scopes: [t.readScope()] });
      await discard(res);
      if (res.status === 404) {
        t.shared.writtenIndexes.delete(memKey);
        t.forgetManifest(tag);
        return { manifests: [], bytes: 0 };
      }
      if (res.status === 200 && header(res, 'docker-content-digest') === mem.descriptor.digest) {
        return { descriptor: mem.descriptor, manifests: mem.manifests, bytes: 0 };
      }
    }
    let got;
    try {
      // A listing may use the short-lived tag cache; an update must see the registry's current index.
      got = mode === 'read' ? await t.fetchManifest(tag, { signal }) : await t.getManifest(tag, undefined, signal);
    } catch (e) {
      if (isNotFound(e)) {
        if (mode !== 'read') t.shared.writtenIndexes.delete(memKey);
        return { manifests: [], bytes: 0 };
      }
      throw e;
    }
    const reference = t.reference(tag);
    const invalid = (what: string) =>
      new OrasdError(ErrorCodes.InvalidReferrersIndex, `${reference} holds ${what}, not a referrers image index; leaving it untouched`, {
        registry: t.registry,
        reference,
        hint: `the tag ${tag} is reserved for the referrers of ${subject} (distribution-spec tag schema); move that content elsewhere`,
      });
    if (!isIndexMediaType(got.descriptor.mediaType)) throw invalid(`a ${got.descriptor.mediaType}`);
    let index: ImageIndex;
    try {
      const parsed = parseManifest(got.bytes, got.descriptor.mediaType, `referrers index ${reference}`);
      if (parsed.kind !== 'index') throw invalid(`a ${parsed.mediaType}`);
      index = parsed.json;
    } catch (e) {
      if (e instanceof OrasdError && e.is(ErrorCodes.InvalidReferrersIndex)) throw e;
      throw invalid('an unreadable manifest');
    }
    return { descriptor: got.descriptor, manifests: index.manifests, bytes: got.bytes.length };
  }

  async list(subject: Descriptor, opts: CallOptions & { artifactType?: string }): Promise<Descriptor[]> {
    if (!isDigest(subject.digest)) referrersTag(subject.digest);
    const { shared } = this.t;
    const state = this.forced ?? shared.referrersApi.get(this.t.repoKey);
    if (state !== false) {
      const viaApi = await this.listByApi(subject.digest, opts);
      if (viaApi !== 'unsupported') {
        if (viaApi.known && this.forced === undefined) shared.referrersApi.set(this.t.repoKey, true);
        return viaApi.list;
      }
      if (this.forced === true) {
        throw new OrasdError(ErrorCodes.Unsupported, `${this.t.reference()}: the registry does not serve the referrers API`, {
          registry: this.t.registry,
          reference: this.t.reference(subject.digest),
          hint: 'drop distributionSpec v1.1-referrers-api (or use v1.1-referrers-tag)',
        });
      }
      if (this.forced === undefined) shared.referrersApi.set(this.t.repoKey, false);
    }
    // The tag-schema index is one manifest (at most 4 MiB): one page of the request's listing budget.
    const walk = new PageWalk(this.t.listing, this.t.registry, `the referrers of ${this.t.reference(subject.digest)}`, this.t.reference(subject.digest));
    walk.enter(this.t.path('manifests', referrersTag(subject.digest)));
    const { manifests, bytes } = await this.load(subject.digest, opts.noCache ? 'fresh' : 'read', opts.signal);
    this.t.listing.addBytes(bytes, walk.what, walk.reference);
    this.t.listing.addEntries(manifests.length, walk.what, walk.reference);
    return filterByType(manifests, opts.artifactType).map((d) => ({ ...d }));
  }

  /** The API's answer, 'unsupported' when the registry has no API. */
  private async listByApi(subject: string, opts: CallOptions & { artifactType?: string }): Promise<{ list: Descriptor[]; known: boolean } | 'unsupported'> {
    const t = this.t;
    let url: URL | undefined = t.path('referrers', subject);
    if (opts.artifactType) url.searchParams.set('artifactType', opts.artifactType);
    const out: Descriptor[] = [];
    const reference = t.reference(subject);
    const walk = new PageWalk(t.listing, t.registry, `the referrers of ${reference}`, reference);
    while (url) {
      walk.enter(url);
      const req: SendRequest = { method: 'GET', url, headers: { accept: MediaTypes.ImageIndex }, scopes: [t.readScope()], signal: opts.signal };
      const page = await t.client.sendAndRead(req, async (res): Promise<'unsupported' | 'no-repository' | { list: Descriptor[]; next: URL | undefined }> => {
        if (res.status === 404) {
          const errors = parseOciErrors(await readErrorBody(res));
          return errors.some((e) => e.code === 'NAME_UNKNOWN') ? 'no-repository' : 'unsupported';
        }
        if (res.status !== 200) throw await t.client.fail(res, { reference, subject: 'manifest' });
        const declared = isIndexMediaType(mediaTypeOf(res));
        const body = await walk.read(res);
        let index: ImageIndex | undefined;
        try {
          const parsed = parseManifest(body, declared ? MediaTypes.ImageIndex : undefined, `referrers of ${reference}`, body.length);
          if (parsed.kind === 'index') index = parsed.json;
        } catch {
          // not an index
        }
        if (!index) {
          // It said "image index" and sent something else: a broken answer, not a missing API.
          if (declared) {
            throw markRetryable(new OrasdError(ErrorCodes.RegistryError, `${reference}: the referrers API sent an unreadable image index`, { registry: t.registry, reference, status: 200 }));
          }
          // A 200 that is no image index (a catch-all page, a proxy): the API is not there.
          return 'unsupported';
        }
        t.listing.addEntries(index.manifests.length, walk.what, reference);
        const applied = `${header(res, 'oci-filters-applied') ?? ''},${index.annotations?.[FILTERS_ANNOTATION] ?? ''}`;
        const serverFiltered = applied.split(',').some((f) => f.trim() === 'artifactType');
        return { list: serverFiltered ? index.manifests : filterByType(index.manifests, opts.artifactType), next: nextLink(res, t.registry) };
      });
      if (page === 'unsupported') return 'unsupported';
      if (page === 'no-repository') return { list: [], known: false };
      out.push(...page.list);
      url = page.next;
    }
    return { list: out, known: true };
  }
}

function filterByType(list: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType ? list.filter((d) => d.artifactType === artifactType) : list;
}
