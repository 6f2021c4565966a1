import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, pipeline as pipelineCb, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobPushOutcome, CallOptions, ManifestBytes, Target, TransferOptions } from '../target';
import type { Descriptor } from '../../oci/descriptor';
import { VerifyingStream, parseDigest, verifyBytes } from '../../oci/digest';
import { parseManifest, type ParsedManifest } from '../../oci/manifest';
import { MAX_MANIFEST_BYTES, isManifestMediaType } from '../../oci/mediatypes';
import { formatLayoutReference, isValidTag } from '../../oci/reference';
import { ErrorCodes, OrasdError, cancelled, isNotFound, throwIfAborted } from '../../errors';
import { syncDir, writeBytes, writeFileAtomic } from './atomic-write';
import { planDelete } from './gc';
import { referrersMap, summarize, walk, type LoadManifest } from './graph';
import { findDigest, findTag, listTags, recordManifest, encodeIndexFile, untagged, type IndexFile } from './index-file';
import { INDEX_FILE, blobLocation, canonicalPath, checkLayoutFile, ensureLayout, fsError, isNotFoundFs, readIndexFile, writeIndexFile } from './layout-files';
import type { LayoutState, Layouts } from './layouts';

/**
 * One OCI image layout folder as a Target, readable and writable by oras (oras-go's content/oci
 * store) at the same time: same index.json conventions, same blob files, same deletion rules.
 * Reads need no lock (index.json and blobs only ever change by rename); index.json updates and
 * deletes are serialized per folder through the shared Layouts.
 */
export class LayoutTarget implements Target {
  readonly kind = 'layout' as const;
  readonly name: string;
  readonly location: string;

  constructor(
    private readonly layouts: Layouts,
    readonly root: string,
    private readonly create: boolean,
  ) {
    this.name = `oci-layout ${root}`;
    this.location = root;
  }

  reference(selector?: string): string {
    return formatLayoutReference(this.root, selector);
  }

  async resolve(selector: string, opts: CallOptions = {}): Promise<Descriptor> {
    throwIfAborted(opts.signal);
    if (looksLikeDigest(selector)) return (await this.resolveDigest(selector)).descriptor;
    const idx = await this.index();
    const d = findTag(idx, selector);
    if (!d) throw this.manifestUnknown(selector);
    return { mediaType: d.mediaType, digest: d.digest, size: d.size };
  }

  async fetchManifest(target: Descriptor | string, opts: CallOptions = {}): Promise<ManifestBytes> {
    throwIfAborted(opts.signal);
    if (typeof target === 'string') {
      if (looksLikeDigest(target)) return this.resolveDigest(target);
      const descriptor = await this.resolve(target, opts);
      return { descriptor, bytes: await this.readManifest(descriptor) };
    }
    return { descriptor: target, bytes: await this.readManifest(target) };
  }

  async fetchBlob(desc: Descriptor, opts: TransferOptions = {}): Promise<Readable> {
    throwIfAborted(opts.signal);
    const { file } = blobLocation(this.root, desc.digest);
    const what = `blob ${desc.digest} in OCI layout ${this.root}`;
    let fh;
    try {
      fh = await open(file, 'r');
    } catch (e) {
      throw await this.whenMissing(e, () => this.blobUnknown(desc.digest), file);
    }
    try {
      const { size } = await fh.stat();
      if (size !== desc.size) throw this.corrupt(new OrasdError(ErrorCodes.DigestMismatch, `size mismatch for ${what}: expected ${desc.size} bytes, the file has ${size}`, { detail: { expected: desc.size, actual: size } }), desc.digest, file);
    } catch (e) {
      await fh.close();
      throw e;
    }
    const verify = new VerifyingStream({ digest: desc.digest, size: desc.size }, what);
    // Registered first, so every consumer sees the error with the layout and file named.
    verify.on('error', (e) => this.corrupt(e, desc.digest, file));
    const stages: NodeJS.ReadWriteStream[] = [];
    if (opts.onBytes) {
      let done = 0;
      const onBytes = opts.onBytes;
      stages.push(new Transform({ transform: (chunk: Buffer, _enc, cb) => (onBytes((done += chunk.length)), cb(null, chunk)) }));
    }
    pipelineCb([fh.createReadStream(), ...stages, verify], () => undefined);
    const signal = opts.signal;
    if (signal) {
      const onAbort = () => verify.destroy(cancelled('blob read'));
      signal.addEventListener('abort', onAbort, { once: true });
      verify.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return verify;
  }

  async statBlob(digest: string, opts: CallOptions = {}): Promise<Descriptor> {
    throwIfAborted(opts.signal);
    const { file } = blobLocation(this.root, digest);
    try {
      const s = await stat(file);
      if (s.isFile()) return { mediaType: 'application/octet-stream', digest, size: s.size };
    } catch (e) {
      throw await this.whenMissing(e, () => this.blobUnknown(digest), file);
    }
    throw this.blobUnknown(digest);
  }

  /**
   * A manifest exists only when index.json lists it too: a manifest blob without its entry (a
   * write cut short) is invisible to oras's tag and referrers lookups, so a copy must push it again.
   */
  async exists(desc: Descriptor, opts: CallOptions = {}): Promise<boolean> {
    throwIfAborted(opts.signal);
    const { file } = blobLocation(this.root, desc.digest);
    if (!(await isFile(file))) return false;
    if (isManifestMediaType(desc.mediaType)) {
      const idx = await readIndexFile(this.root).catch(() => undefined);
      if (!idx || !findDigest(idx, desc.digest)) return false;
    }
    // A caller that finds content present skips pushing it and relies on it from now on.
    (await this.state()).markPending(desc.digest);
    return true;
  }

  async pushBlob(desc: Descriptor, openSource: () => Readable | Promise<Readable>, opts: TransferOptions = {}): Promise<BlobPushOutcome> {
    throwIfAborted(opts.signal);
    const loc = blobLocation(this.root, desc.digest);
    checkSize(desc);
    const st = await this.prepareWrite();
    st.markPending(desc.digest);
    if (await isFile(loc.file)) return 'exists';
    const what = `blob ${desc.digest} for OCI layout ${this.root}`;
    await this.writeBlob(loc, async (fh) => {
      const source = await openSource();
      let done = 0;
      const sink = async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          await writeBytes(fh, chunk);
          opts.onBytes?.((done += chunk.length));
        }
      };
      const verify = new VerifyingStream({ digest: desc.digest, size: desc.size }, what);
      if (opts.signal) await pipeline(source, verify, sink, { signal: opts.signal });
      else await pipeline(source, verify, sink);
    });
    return 'pushed';
  }

  async pushManifest(desc: Descriptor, bytes: Buffer, tag?: string, opts: CallOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    if (tag !== undefined) checkTag(tag, this.reference(tag));
    const loc = blobLocation(this.root, desc.digest);
    verifyBytes(bytes, desc, `manifest ${desc.digest} for OCI layout ${this.root}`);
    const parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
    const st = await this.prepareWrite();
    st.markPending(desc.digest);
    if (!(await isFile(loc.file))) await this.writeBlob(loc, (fh) => writeBytes(fh, bytes));
    const summary = summarize(desc, parsed);
    st.remember(summary);
    const entry = entryFor(desc, parsed);
    await this.updateIndex(st, (idx) => recordManifest(idx, entry, tag));
    st.claim([desc.digest, ...summary.successors.map((d) => d.digest)]);
  }

  async tag(desc: Descriptor, tag: string, opts: CallOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    checkTag(tag, this.reference(tag));
    const { file } = blobLocation(this.root, desc.digest);
    const st = await this.state();
    await this.updateIndex(
      st,
      async (idx) => {
        // Re-tagging keeps what index.json already says about the manifest (annotations, artifactType).
        let entry = findDigest(idx, desc.digest);
        if (!(await isFile(file))) throw this.manifestUnknown(desc.digest);
        if (!entry) {
          const bytes = await this.readManifest(desc);
          entry = entryFor(desc, this.parseStored(bytes, desc));
        }
        return recordManifest(idx, entry, tag);
      },
      { mustExist: true },
    );
  }

  async deleteManifest(desc: Descriptor, opts: CallOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    const { file } = blobLocation(this.root, desc.digest);
    const key = await canonicalPath(this.root);
    const st = this.layouts.state(key);
    await this.layouts.withLock(key, async () => {
      const idx = await this.index();
      const listed = findDigest(idx, desc.digest);
      const present = await isFile(file);
      if (!present && !listed) throw this.manifestUnknown(desc.digest);
      // index.json knows the media type best; the caller's may be generic or missing.
      const target: Descriptor = { ...desc, mediaType: listed?.mediaType ?? desc.mediaType };
      if (!isManifestMediaType(target.mediaType) && present) {
        target.mediaType = this.parseStored(await this.readManifest({ digest: desc.digest, size: -1 }), target).mediaType;
      }
      const plan = await planDelete(target, idx, this.loader(st), (d) => st.isPending(d), opts.signal);
      if (plan.unreadable.length) {
        this.layouts.log.warn({ layout: this.root, unreadable: plan.unreadable }, 'OCI layout holds unreadable manifests; kept the blobs of the deleted manifest');
      }
      try {
        if (plan.index.manifests.length !== idx.manifests.length) await writeIndexFile(this.root, plan.index, this.layouts.temps);
        const dirs = new Set<string>();
        for (const d of plan.blobs) {
          const loc = blobLocation(this.root, d);
          await unlink(loc.file).catch((e: unknown) => {
            if (!isNotFoundFs(e)) throw fsError(e, `cannot delete ${loc.file}`, loc.file);
          });
          dirs.add(loc.dir);
        }
        for (const dir of dirs) await syncDir(dir);
      } finally {
        st.gen++;
      }
      this.layouts.log.debug({ layout: this.root, manifests: [...plan.manifests], blobs: plan.blobs.size }, 'deleted from OCI layout');
    });
  }

  async deleteBlob(desc: Descriptor, opts: CallOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    const { file } = blobLocation(this.root, desc.digest);
    const st = await this.state();
    try {
      await unlink(file);
    } catch (e) {
      throw await this.whenMissing(e, () => this.blobUnknown(desc.digest), file);
    } finally {
      st.gen++;
    }
  }

  async tags(opts: CallOptions & { last?: string } = {}): Promise<string[]> {
    throwIfAborted(opts.signal);
    const all = listTags(await this.index());
    const last = opts.last;
    return last ? all.filter((t) => t > last) : all;
  }

  async referrers(subject: Descriptor, opts: CallOptions & { artifactType?: string } = {}): Promise<Descriptor[]> {
    throwIfAborted(opts.signal);
    parseDigest(subject.digest);
    const map = await this.referrersMap(opts);
    const found = map.get(subject.digest) ?? [];
    return found
      .filter((d) => !opts.artifactType || d.artifactType === opts.artifactType)
      .map((d) => ({ ...d, ...(d.annotations ? { annotations: { ...d.annotations } } : {}) }));
  }

  // ---- internals ----

  private async state(): Promise<LayoutState> {
    return this.layouts.state(await canonicalPath(this.root));
  }

  private async index(): Promise<IndexFile> {
    const idx = await readIndexFile(this.root).catch((e: unknown) => {
      throw this.context(e);
    });
    if (!idx) throw this.missingLayout();
    return idx;
  }

  /**
   * The referrers of every subject, rebuilt when index.json changed: by us (generation) or by
   * anyone else, oras included (inode, mtime and size of index.json, which changes by rename).
   */
  private async referrersMap(opts: CallOptions): Promise<Map<string, Descriptor[]>> {
    const st = await this.state();
    const stamp = await this.indexStamp();
    const gen = st.gen;
    const cached = st.referrers;
    if (!opts.noCache && cached && cached.stamp === stamp && cached.gen === gen) return cached.map;
    return st.referrersFlight.do(`${stamp}#${gen}`, async () => {
      const idx = await this.index();
      const reach = await walk(idx.manifests, this.loader(st), opts.signal);
      for (const [digest, e] of reach.unreadable) {
        this.layouts.log.warn({ layout: this.root, digest, err: e.message }, 'skipping unreadable manifest while listing referrers');
      }
      const map = referrersMap(reach.manifests);
      st.referrers = { stamp, gen, map };
      return map;
    });
  }

  private async indexStamp(): Promise<string> {
    const file = join(this.root, INDEX_FILE);
    try {
      const s = await stat(file, { bigint: true });
      return `${s.ino}:${s.mtimeNs}:${s.ctimeNs}:${s.size}`;
    } catch (e) {
      if (isNotFoundFs(e)) throw this.missingLayout();
      throw fsError(e, `cannot stat ${file}`, file);
    }
  }

  private loader(st: LayoutState): LoadManifest {
    return async (d) => {
      const known = st.summary(d.digest);
      if (known) return known;
      try {
        const bytes = await this.readManifest(d);
        const s = summarize(d, this.parseStored(bytes, d));
        st.remember(s);
        return s;
      } catch (e) {
        if (isNotFound(e)) return null;
        if (e instanceof OrasdError) return e;
        throw e;
      }
    };
  }

  /** Manifest bytes from blobs/, verified against the descriptor (size -1: digest only). */
  private async readManifest(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer> {
    const { file } = blobLocation(this.root, desc.digest);
    let bytes: Buffer;
    try {
      const s = await stat(file);
      if (s.size > MAX_MANIFEST_BYTES) {
        throw new OrasdError(ErrorCodes.ManifestTooLarge, `manifest ${desc.digest} in OCI layout ${this.root} is ${s.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`, { path: file, registry: this.root });
      }
      bytes = await readFile(file);
    } catch (e) {
      throw await this.whenMissing(e, () => this.manifestUnknown(desc.digest), file);
    }
    try {
      verifyBytes(bytes, { digest: desc.digest, size: desc.size }, `manifest ${desc.digest} in OCI layout ${this.root}`);
    } catch (e) {
      throw this.corrupt(e, desc.digest, file);
    }
    return bytes;
  }

  private parseStored(bytes: Buffer, desc: Descriptor): ParsedManifest {
    const claimed = isManifestMediaType(desc.mediaType) ? desc.mediaType : undefined;
    try {
      return parseManifest(bytes, claimed, `manifest ${desc.digest} in OCI layout ${this.root}`);
    } catch (e) {
      throw this.context(e);
    }
  }

  /** A digest resolves when its blob is a manifest: listed in index.json or not (as oras resolves). */
  private async resolveDigest(digest: string): Promise<ManifestBytes> {
    parseDigest(digest);
    const idx = await this.index();
    const listed = findDigest(idx, digest);
    const bytes = await this.readManifest({ digest, size: listed?.size ?? -1 });
    let mediaType = listed?.mediaType;
    if (!mediaType || !isManifestMediaType(mediaType)) {
      try {
        mediaType = parseManifest(bytes, undefined).mediaType;
      } catch (e) {
        throw new OrasdError(ErrorCodes.ManifestUnknown, `${digest} in OCI layout ${this.root} is not a manifest`, { reference: this.reference(digest), registry: this.root }, { cause: e });
      }
    }
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
  }

  /** Makes sure a write has a layout to go to (creating it if allowed) and returns the folder's state. */
  private async prepareWrite(): Promise<LayoutState> {
    const key = await canonicalPath(this.root);
    const st = this.layouts.state(key);
    if (!(await isFile(join(this.root, INDEX_FILE)))) {
      if (!this.create) throw this.missingLayout();
      await this.layouts.withLock(key, () => ensureLayout(this.root, this.layouts.temps).catch((e: unknown) => Promise.reject(this.context(e))));
    }
    return st;
  }

  /** index.json read-modify-write under the folder's lock; skips the write when nothing changed. */
  private async updateIndex(st: LayoutState, change: (idx: IndexFile) => IndexFile | Promise<IndexFile>, opts: { mustExist?: boolean } = {}): Promise<void> {
    const key = await canonicalPath(this.root);
    await this.layouts.withLock(key, async () => {
      let idx = await readIndexFile(this.root).catch((e: unknown) => Promise.reject(this.context(e)));
      if (!idx) {
        if (opts.mustExist || !this.create) throw this.missingLayout();
        await ensureLayout(this.root, this.layouts.temps);
        idx = await this.index();
      } else {
        await checkLayoutFile(this.root);
      }
      const next = await change(idx);
      if (next === idx || encodeIndexFile(next).equals(encodeIndexFile(idx))) return;
      try {
        await writeIndexFile(this.root, next, this.layouts.temps);
      } catch (e) {
        throw this.context(e);
      } finally {
        st.gen++;
      }
    });
  }

  private async writeBlob(loc: { dir: string; file: string }, write: Parameters<typeof writeFileAtomic>[2]): Promise<void> {
    try {
      await mkdir(loc.dir, { recursive: true });
      // Read-only like oras's blobs: content-addressed files must never be edited in place.
      await writeFileAtomic(loc.dir, loc.file.slice(loc.dir.length + 1), write, { mode: 0o444, temps: this.layouts.temps });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw cancelled('blob upload');
      // Filesystem failures are ours to explain; a failing source (the caller's stream) is not.
      if (e instanceof OrasdError || typeof (e as NodeJS.ErrnoException)?.syscall === 'string') throw this.context(e);
      throw e;
    }
  }

  private context(e: unknown): OrasdError {
    const err = e instanceof OrasdError ? e : fsError(e, `OCI layout ${this.root}`);
    return err.withContext({ registry: this.root });
  }

  private corrupt(e: unknown, digest: string, file: string): unknown {
    if (e instanceof OrasdError) e.withContext({ registry: this.root, reference: this.reference(digest), path: file });
    return e;
  }

  /** A missing file means a missing blob, unless the whole layout is missing. */
  private async whenMissing(e: unknown, notFound: () => OrasdError, file: string): Promise<unknown> {
    if (e instanceof OrasdError) return this.context(e);
    if (!isNotFoundFs(e)) return fsError(e, `cannot read ${file}`, file).withContext({ registry: this.root });
    return (await isFile(join(this.root, INDEX_FILE))) ? notFound() : this.missingLayout();
  }

  private missingLayout(): OrasdError {
    return new OrasdError(ErrorCodes.NameUnknown, `OCI layout ${this.root} does not exist`, { registry: this.root, reference: this.root });
  }

  private manifestUnknown(selector: string): OrasdError {
    return new OrasdError(ErrorCodes.ManifestUnknown, `${this.reference(selector)}: not found`, { reference: this.reference(selector), registry: this.root });
  }

  private blobUnknown(digest: string): OrasdError {
    return new OrasdError(ErrorCodes.BlobUnknown, `blob ${this.reference(digest)}: not found`, { reference: this.reference(digest), registry: this.root });
  }
}

/** What oras-go's PackManifest records in index.json: the manifest's own annotations and artifactType. */
function entryFor(desc: Descriptor, m: ParsedManifest): Descriptor {
  const given = untagged(desc);
  const out: Descriptor = { mediaType: m.mediaType, digest: desc.digest, size: desc.size };
  const annotations = given.annotations && Object.keys(given.annotations).length ? given.annotations : m.json.annotations;
  if (annotations && Object.keys(annotations).length) out.annotations = { ...annotations };
  if (desc.platform) out.platform = desc.platform;
  const artifactType = desc.artifactType ?? m.json.artifactType;
  if (artifactType) out.artifactType = artifactType;
  return out;
}

/**
 * Shaped like a digest by the OCI grammar (`algorithm:encoded`): validated later, so an unsupported
 * one fails as DigestInvalid rather than as an unknown tag. Tags cannot hold ':'; a foreign
 * ref.name such as "app:1.0" does not match the grammar and is still looked up as a tag.
 */
function looksLikeDigest(selector: string): boolean {
  return /^(?:sha256|sha512):/.test(selector) || /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(selector);
}

function checkTag(tag: string, reference: string): void {
  if (!isValidTag(tag)) {
    throw new OrasdError(ErrorCodes.InvalidReference, `invalid tag "${tag}": letters, digits, _ . - only; at most 128; not starting with . or -`, { reference });
  }
}

function checkSize(desc: Descriptor): void {
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw new OrasdError(ErrorCodes.SizeInvalid, `invalid size ${desc.size} for ${desc.digest}`);
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (e) {
    if (isNotFoundFs(e)) return false;
    throw fsError(e, `cannot stat ${file}`, file);
  }
}
