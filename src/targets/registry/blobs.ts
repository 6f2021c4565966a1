import { Readable, Transform, pipeline } from 'node:stream';
import { ErrorCodes, OrasdError, cancelled } from '../../errors';
import type { Descriptor } from '../../oci/descriptor';
import { VerifyingStream, parseDigest } from '../../oci/digest';
import type { BlobOrigin, BlobPushOutcome, TransferOptions } from '../target';
import { abandon, discard, header, type HttpResponse } from './http';
import type { RegistryTarget } from './repository';
import { backoffMs, isRetryable, sleep, RETRYABLE_STATUS } from './retry';
import { pullScope, pushScope } from './scopes';

/** Below this size an upload costs about what a HEAD does, so pushBlob skips the HEAD. */
export const SMALL_BLOB = 1024 * 1024;
const MAX_REDIRECTS = 5;
const MAX_RESUMES = 3;

/**
 * HEAD of a blob. `useKnown` lets the per-repository record answer without a request. A 3xx
 * counts as present: registries redirect reads of stored blobs to their storage.
 */
export async function headBlob(t: RegistryTarget, desc: Descriptor, signal: AbortSignal | undefined, useKnown: boolean): Promise<boolean> {
  const key = t.blobKey(desc.digest);
  if (useKnown && t.shared.knownBlobs.has(key)) return true;
  const res = await t.client.send({ method: 'HEAD', url: t.path('blobs', desc.digest), scopes: [t.readScope()], signal });
  await discard(res);
  if ((res.status >= 200 && res.status <= 299) || (res.status >= 300 && res.status <= 399 && res.status !== 304)) {
    t.shared.knownBlobs.add(key);
    return true;
  }
  if (res.status === 404) {
    t.forgetBlob(desc.digest);
    return false;
  }
  throw await t.client.fail(res, { reference: t.reference(desc.digest), subject: 'blob' });
}

/** GET of a blob, following redirects by hand: credentials never travel to another origin. */
async function openBlob(t: RegistryTarget, desc: Pick<Descriptor, 'digest'>, from: number, signal?: AbortSignal, method: 'GET' | 'HEAD' = 'GET'): Promise<HttpResponse> {
  let url = t.path('blobs', desc.digest);
  let anonymous = false;
  const headers: Record<string, string> = from > 0 ? { range: `bytes=${from}-` } : {};
  for (let hop = 0; ; hop++) {
    const res = await t.client.send({ method, url, headers, scopes: [t.readScope()], signal, anonymous });
    if (![301, 302, 303, 307, 308].includes(res.status)) {
      if (res.status === 200 || res.status === 206) return res;
      if (res.status === 404) t.forgetBlob(desc.digest);
      throw await t.client.fail(res, { reference: t.reference(desc.digest), subject: 'blob' });
    }
    const location = header(res, 'location');
    await discard(res);
    if (!location || hop >= MAX_REDIRECTS) {
      throw new OrasdError(ErrorCodes.RegistryError, `${t.reference(desc.digest)}: ${location ? 'too many redirects' : 'redirect without Location'}`, {
        registry: t.registry,
        reference: t.reference(desc.digest),
        status: res.status,
      });
    }
    const next = new URL(location, url);
    if ((next.protocol !== 'https:' && next.protocol !== 'http:') || (url.protocol === 'https:' && next.protocol === 'http:' && !t.client.loopback)) {
      throw new OrasdError(ErrorCodes.RegistryError, `${t.reference(desc.digest)}: refusing a redirect to ${next.protocol}//${next.host}`, { registry: t.registry });
    }
    if (next.origin !== t.client.origin) anonymous = true;
    url = next;
  }
}

/** A blob's descriptor from its digest: the size from the registry, the media type generic. */
export async function statBlob(t: RegistryTarget, digest: string, signal?: AbortSignal): Promise<Descriptor> {
  parseDigest(digest);
  const res = await openBlob(t, { digest }, 0, signal, 'HEAD');
  await discard(res);
  const size = Number(header(res, 'content-length'));
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new OrasdError(ErrorCodes.RegistryError, `${t.reference(digest)}: the registry gives no size for the blob`, { registry: t.registry, reference: t.reference(digest) });
  }
  t.shared.knownBlobs.add(t.blobKey(digest));
  return { mediaType: 'application/octet-stream', digest, size };
}

/**
 * A verified stream of a blob. A connection that breaks mid-way is resumed with a Range request
 * (or restarted, skipping what was already passed on, when the server ignores Range).
 */
export async function fetchBlob(t: RegistryTarget, desc: Descriptor, opts: TransferOptions): Promise<Readable> {
  parseDigest(desc.digest);
  const { signal } = opts;
  const first = await openBlob(t, desc, 0, signal);
  const length = Number(header(first, 'content-length'));
  if (first.status === 200 && Number.isFinite(length) && desc.size >= 0 && length !== desc.size) {
    abandon(first.body);
    throw new OrasdError(ErrorCodes.DigestMismatch, `${t.reference(desc.digest)}: registry sends ${length} bytes, the descriptor says ${desc.size}`, {
      registry: t.registry,
      reference: t.reference(desc.digest),
      detail: { expected: desc.size, actual: length },
    });
  }
  t.shared.knownBlobs.add(t.blobKey(desc.digest));

  async function* chunks(): AsyncGenerator<Buffer> {
    let res = first;
    let received = 0;
    let resumes = 0;
    let skip = 0;
    for (;;) {
      try {
        for await (const c of res.body as AsyncIterable<Buffer>) {
          let chunk = c;
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          received += chunk.length;
          opts.onBytes?.(received);
          yield chunk;
        }
        return;
      } catch (e) {
        if (signal?.aborted) throw cancelled();
        const err = t.shared.http.transportError(e, { signal, url: res.url, registry: t.registry });
        if (!isRetryable(err) || resumes >= MAX_RESUMES || (desc.size >= 0 && received >= desc.size)) throw err;
        resumes++;
        t.shared.log.debug({ registry: t.registry, digest: desc.digest, received, resumes }, 'resuming blob download');
        await sleep(backoffMs(t.shared.retry, resumes - 1), signal);
        res = await openBlob(t, desc, received, signal);
        const range = header(res, 'content-range');
        if (res.status === 206 && range?.startsWith(`bytes ${received}-`)) skip = 0;
        else if (res.status === 200) skip = received;
        else {
          abandon(res.body);
          throw new OrasdError(ErrorCodes.RegistryError, `${t.reference(desc.digest)}: resuming the download got an unusable answer`, { registry: t.registry });
        }
      }
    }
  }

  const verifier = new VerifyingStream({ digest: desc.digest, size: desc.size }, `blob ${t.reference(desc.digest)}`);
  pipeline(Readable.from(chunks(), { objectMode: false }), verifier, () => undefined);
  return verifier;
}

/** `digest=` added to an upload URL, keeping the session's own query (state tokens) intact. */
export function withDigest(location: URL, digest: string): URL {
  const u = new URL(location);
  u.search = (u.search ? `${u.search}&` : '?') + `digest=${encodeURIComponent(digest)}`;
  return u;
}

function uploadLocation(t: RegistryTarget, res: HttpResponse): URL {
  const loc = header(res, 'location');
  if (!loc) throw new OrasdError(ErrorCodes.RegistryError, `${t.reference()}: upload session without Location`, { registry: t.registry, status: res.status });
  const u = new URL(loc, res.url);
  const registry = new URL(t.client.origin);
  // The session URL gets our credentials: it must stay on the registry (cf. oras-go GHSA-jxpm-75mh-9fp7).
  // Origins are compared whole (host and port): another port on the same host is another service.
  if (u.host !== registry.host || (registry.protocol === 'https:' && u.protocol !== 'https:')) {
    throw new OrasdError(ErrorCodes.RegistryError, `${t.reference()}: upload Location points to ${u.protocol}//${u.host}, not the registry; refusing to send content there`, { registry: t.registry });
  }
  return u;
}

async function startUpload(t: RegistryTarget, signal?: AbortSignal): Promise<URL> {
  const res = await t.client.send({ method: 'POST', url: t.client.url(`/v2/${t.repository}/blobs/uploads/`), scopes: [pushScope(t.repository)], signal, retry: true });
  if (res.status !== 202) throw await t.client.fail(res, { reference: t.reference(), subject: 'upload' });
  await discard(res);
  return uploadLocation(t, res);
}

/** Cross-repository mount: 'mounted', an upload session to go on with, or undefined to upload afresh. */
async function tryMount(t: RegistryTarget, desc: Descriptor, origin: BlobOrigin, signal?: AbortSignal): Promise<'mounted' | URL | undefined> {
  const url = t.client.url(`/v2/${t.repository}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(origin.repository)}`);
  const res = await t.client.send({ method: 'POST', url, scopes: [pushScope(t.repository), pullScope(origin.repository)], signal, retry: true });
  if (res.status === 201) {
    await discard(res);
    return 'mounted';
  }
  if (res.status === 202) {
    await discard(res);
    return uploadLocation(t, res);
  }
  const err = await t.client.fail(res, { reference: t.reference(desc.digest), subject: 'upload' });
  t.shared.log.debug({ registry: t.registry, from: origin.repository, status: res.status, error: err.message }, 'mount refused; uploading instead');
  return undefined;
}

/**
 * The spec's single-request upload: `POST /blobs/uploads/?digest=` with the content. 'pushed' on
 * 201; a registry that ignores the content (distribution) answers 202 with a session, returned to
 * go on with; one that refuses the form answers 4xx: undefined, upload the usual way. What the
 * registry did is remembered, so it costs a wasted body at most once per registry.
 */
async function postContent(t: RegistryTarget, desc: Descriptor, open: () => Readable | Promise<Readable>, opts: TransferOptions): Promise<'pushed' | URL | undefined> {
  const url = withDigest(t.client.url(`/v2/${t.repository}/blobs/uploads/`), desc.digest);
  const res = await sendContent(t, 'POST', url, desc, open, { ...opts, onBytes: undefined });
  if (res.status === 201) {
    await discard(res);
    t.shared.singleRequestUpload.set(t.registry, true);
    opts.onBytes?.(desc.size);
    return 'pushed';
  }
  if (res.status === 202) {
    await discard(res);
    t.shared.singleRequestUpload.set(t.registry, false);
    return uploadLocation(t, res);
  }
  const err = await t.client.fail(res, { reference: t.reference(desc.digest), subject: 'upload' });
  // Auth, throttling, server faults and content the registry found wrong are errors of this upload, not of the form.
  const aboutContent = err.code === ErrorCodes.DigestInvalid || err.code === ErrorCodes.SizeInvalid;
  const refused = res.status >= 400 && res.status < 500 && ![401, 403, 408, 429].includes(res.status) && !aboutContent;
  if (!refused) throw err;
  t.shared.singleRequestUpload.set(t.registry, false);
  t.shared.log.debug({ registry: t.registry, status: res.status, error: err.message }, 'single-request upload refused; using an upload session');
  return undefined;
}

async function putMonolithic(t: RegistryTarget, session: URL, desc: Descriptor, open: () => Readable | Promise<Readable>, opts: TransferOptions): Promise<void> {
  const res = await sendContent(t, 'PUT', withDigest(session, desc.digest), desc, open, opts);
  if (res.status < 200 || res.status > 299) throw await t.client.fail(res, { reference: t.reference(desc.digest), subject: 'upload' });
  await discard(res);
}

/** One upload request with its body; never retried here (a stream cannot be replayed). */
function sendBody(t: RegistryTarget, method: 'POST' | 'PUT', url: URL, desc: Descriptor, body: Readable | Buffer, opts: TransferOptions): Promise<HttpResponse> {
  return t.client.send({
    method,
    url,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body,
    scopes: [pushScope(t.repository)],
    signal: opts.signal,
    retry: false,
  });
}

/** Sends the blob's bytes as one request body, counted for progress; the answer is the caller's to read. */
async function sendContent(t: RegistryTarget, method: 'POST' | 'PUT', url: URL, desc: Descriptor, open: () => Readable | Promise<Readable>, opts: TransferOptions): Promise<HttpResponse> {
  const source = await open();
  if (desc.size < SMALL_BLOB) return sendSmall(t, method, url, desc, source, opts);
  let sourceError: unknown;
  source.once('error', (e) => (sourceError ??= e));
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      opts.onBytes?.(sent);
      cb(null, chunk);
    },
  });
  const body = source.pipe(counter);
  source.once('error', (e) => counter.destroy(e));
  let res: HttpResponse;
  try {
    res = await sendBody(t, method, url, desc, body, opts);
  } catch (e) {
    abandon(source);
    if (opts.signal?.aborted) throw cancelled();
    if (sourceError) throw sourceError instanceof OrasdError ? sourceError : new OrasdError(ErrorCodes.InternalError, `reading the content of ${desc.digest} failed: ${(sourceError as Error).message}`);
    if ((e as { cause?: { code?: string } }).cause?.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
      throw new OrasdError(ErrorCodes.SizeInvalid, `the content of ${desc.digest} is not ${desc.size} bytes long`, { registry: t.registry, reference: t.reference(desc.digest) });
    }
    throw e;
  }
  return res;
}

/**
 * A small blob goes as one buffer. Written whole before the registry can answer, its connection
 * stays reusable: undici drops a connection whose request body was still streaming when the
 * answer came, so a cold push of two small blobs sometimes opened a third connection for the
 * manifest. It also spares a pipe and a Transform per small request.
 */
async function sendSmall(t: RegistryTarget, method: 'POST' | 'PUT', url: URL, desc: Descriptor, source: Readable, opts: TransferOptions): Promise<HttpResponse> {
  const chunks: Buffer[] = [];
  let read = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > desc.size) break;
      chunks.push(chunk);
    }
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled();
    throw e instanceof OrasdError ? e : new OrasdError(ErrorCodes.InternalError, `reading the content of ${desc.digest} failed: ${(e as Error).message}`);
  } finally {
    abandon(source);
  }
  if (read !== desc.size) {
    throw new OrasdError(ErrorCodes.SizeInvalid, `the content of ${desc.digest} is not ${desc.size} bytes long`, { registry: t.registry, reference: t.reference(desc.digest) });
  }
  const body = Buffer.concat(chunks, read);
  opts.onBytes?.(read);
  return sendBody(t, method, url, desc, body, opts);
}

/**
 * Uploads a blob unless the registry has it: mount from a sibling repository when possible; a
 * small blob in one request where the registry takes that; else POST + monolithic PUT. A failed
 * upload starts over with a fresh session and fresh bytes.
 */
export async function pushBlob(
  t: RegistryTarget,
  desc: Descriptor,
  open: () => Readable | Promise<Readable>,
  opts: TransferOptions & { origin?: BlobOrigin },
): Promise<BlobPushOutcome> {
  parseDigest(desc.digest);
  const { signal } = opts;
  const key = t.blobKey(desc.digest);
  // The known-blob record skips the HEAD in exists(); here the caller is about to rely on the blob
  // being stored, so the registry is asked (a HEAD, or for small blobs simply the upload). Before
  // a mount the HEAD is worth it too: a registry that ignores mounts would make us copy bytes
  // it already has.
  const mountable = !!opts.origin && opts.origin.registry === t.registry && opts.origin.repository !== t.repository;
  if (t.shared.knownBlobs.has(key) || desc.size >= SMALL_BLOB || mountable) {
    if (await headBlob(t, desc, signal, false)) return 'exists';
  }
  let session: URL | undefined;
  if (mountable) {
    const m = await tryMount(t, desc, opts.origin!, signal);
    if (m === 'mounted') {
      t.shared.knownBlobs.add(key);
      return 'mounted';
    }
    session = m;
  }
  const policy = t.shared.retry;
  for (let attempt = 0; ; attempt++) {
    try {
      if (!session && desc.size < SMALL_BLOB && t.shared.singleRequestUpload.get(t.registry) !== false) {
        const posted = await postContent(t, desc, open, opts);
        if (posted === 'pushed') {
          t.shared.knownBlobs.add(key);
          return 'pushed';
        }
        session = posted;
      }
      session ??= await startUpload(t, signal);
      await putMonolithic(t, session, desc, open, opts);
      t.shared.knownBlobs.add(key);
      return 'pushed';
    } catch (e) {
      session = undefined;
      if (signal?.aborted) throw cancelled();
      const status = e instanceof OrasdError ? e.data.status : undefined;
      const again = isRetryable(e) || (status !== undefined && (RETRYABLE_STATUS.has(status) || (status === 401 && attempt === 0)));
      if (!again || attempt + 1 >= policy.attempts) throw e;
      t.shared.log.debug({ registry: t.registry, digest: desc.digest, attempt, status }, 'restarting blob upload');
      await sleep(backoffMs(policy, attempt), signal);
    }
  }
}
