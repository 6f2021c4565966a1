import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type * as P from '../../../protocol';
import { ErrorCodes, OrasdError, isNotFound } from '../../errors';
import { digestBytes, digestFile, digestMismatch, READ_CHUNK } from '../../oci/digest';
import { parseManifest } from '../../oci/manifest';
import { MAX_MANIFEST_BYTES } from '../../oci/mediatypes';
import { isDigestTag, isValidTag, parseReference } from '../../oci/reference';
import { ProgressTracker } from '../../ops/context';
import { deleteManifest } from '../../ops/delete';
import { transferOne } from '../../ops/transfer';
import { readInputFile, resolvePath, statInput, tempPathFor, writeFileAtomic } from '../../ops/files';
import { fetchSelected, resolveSelector } from '../../ops/graph';
import { checkRegistryHost, type CallContext, type Engine } from '../engine';
import { referenced } from './artifacts';

const sig = (ctx: CallContext) => (ctx.signal ? { signal: ctx.signal } : {});

export async function handleResolve(engine: Engine, p: P.ResolveParams, ctx: CallContext): Promise<P.ResolveResult> {
  const { target, selector } = engine.openTarget(p, ctx);
  const d = await resolveSelector(target, selector, { ...sig(ctx), ...(p.noCache ? { noCache: true } : {}), ...(p.platform ? { platform: p.platform } : {}) });
  return referenced(target, d);
}

export async function handleTag(engine: Engine, p: P.TagParams, ctx: CallContext): Promise<P.TagResult> {
  const { target, selector } = engine.openTarget(p, ctx, 'write');
  // Refused before the registry is asked anything.
  for (const t of p.tags) {
    if (!isValidTag(t)) throw new OrasdError(ErrorCodes.InvalidReference, `"${t.slice(0, 140)}" is not a valid tag`, { reference: p.reference, hint: 'a tag is up to 128 letters, digits, _ . -, not starting with . or -' });
  }
  // The bytes are needed to PUT them under the new tags: fetch by tag in one request.
  const d = (await fetchSelected(target, selector, sig(ctx))).descriptor;
  for (const t of p.tags) await target.tag(d, t, sig(ctx));
  return { ...referenced(target, d), tagged: p.tags.map((t) => target.reference(t)) };
}

export async function handleManifestFetch(engine: Engine, p: P.ManifestFetchParams, ctx: CallContext): Promise<P.ManifestFetchResult> {
  const { target, selector } = engine.openTarget(p, ctx);
  const opts = { ...sig(ctx), ...(p.noCache ? { noCache: true } : {}), ...(p.platform ? { platform: p.platform } : {}) };
  const accept = (mediaType: string) => {
    if (p.mediaTypes?.length && !p.mediaTypes.includes(mediaType)) {
      throw new OrasdError(ErrorCodes.ManifestUnknown, `${target.reference(selector)} is a ${mediaType}, not one of ${p.mediaTypes.join(', ')}`, { reference: p.reference });
    }
  };
  if (p.descriptor) {
    const d = await resolveSelector(target, selector, opts);
    accept(d.mediaType);
    return { descriptor: referenced(target, d) };
  }
  const node = await fetchSelected(target, selector, opts);
  accept(node.descriptor.mediaType);
  if (p.output) await writeFileAtomic(resolvePath(ctx.cwd, p.output), node.bytes, 0o644, ctx.temps);
  return { descriptor: referenced(target, node.descriptor), content: node.bytes.toString('utf8'), manifest: node.parsed.json };
}

export async function handleManifestFetchConfig(engine: Engine, p: P.ManifestFetchConfigParams, ctx: CallContext): Promise<P.ManifestFetchConfigResult> {
  const { target, selector } = engine.openTarget(p, ctx);
  const opts = { ...sig(ctx), ...(p.platform ? { platform: p.platform } : {}) };
  const node = await fetchSelected(target, selector, opts);
  if (node.parsed.kind !== 'manifest') {
    throw new OrasdError(ErrorCodes.InvalidArgument, `${target.reference(selector)} is an ${node.parsed.kind}, which has no config; pass platform to pick a manifest`, { reference: p.reference });
  }
  const config = node.parsed.json.config;
  const descriptor = { ...referenced(target, config), reference: target.reference(config.digest) };
  if (p.descriptor) return { descriptor };
  if (p.output) {
    const out = resolvePath(ctx.cwd, p.output);
    await checkOutputFolder(out, p.output);
    await downloadVerified(await target.fetchBlob(config, sig(ctx)), out, ctx);
    return { descriptor, path: out };
  }
  if (config.size > MAX_MANIFEST_BYTES) {
    throw new OrasdError(ErrorCodes.ManifestTooLarge, `config of ${p.reference} is ${config.size} bytes; pass output to write it to a file`, { reference: p.reference });
  }
  const chunks: Buffer[] = [];
  for await (const c of await target.fetchBlob(config, sig(ctx))) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  const text = bytes.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(bytes);
  return { descriptor, content: utf8 ? text : bytes.toString('base64'), encoding: utf8 ? 'utf8' : 'base64' };
}

export async function handleManifestPush(engine: Engine, p: P.ManifestPushParams, ctx: CallContext): Promise<P.ManifestPushResult> {
  const { target, tags, digest } = engine.openTarget(p, ctx, 'write');
  if ((p.file === undefined) === (p.content === undefined)) {
    throw new OrasdError(ErrorCodes.InvalidArgument, 'manifest/push needs exactly one of file or content', { reference: p.reference });
  }
  const bytes = p.file !== undefined ? await readInputFile(resolvePath(ctx.cwd, p.file), p.file, MAX_MANIFEST_BYTES) : Buffer.from(p.content!, 'utf8');
  const parsed = parseManifest(bytes, p.mediaType, `manifest ${p.file ?? '(content)'}`);
  const desc = { mediaType: p.mediaType ?? parsed.mediaType, digest: digestBytes(bytes), size: bytes.length };
  if (digest && digest !== desc.digest) throw digestMismatch(`manifest for ${p.reference}`, digest, desc.digest).withContext({ reference: p.reference });
  const allTags = [...tags, ...(p.extraTags ?? [])];
  for (const t of allTags) {
    if (!isValidTag(t)) throw new OrasdError(ErrorCodes.InvalidReference, `"${t.slice(0, 140)}" is not a valid tag`, { reference: p.reference });
  }
  await target.pushManifest(desc, bytes, allTags[0], sig(ctx));
  for (const t of allTags.slice(1)) await target.tag(desc, t, sig(ctx));
  return { ...referenced(target, desc), referenceAsTags: allTags.map((t) => target.reference(t)) };
}

export async function handleManifestDelete(engine: Engine, p: P.ManifestDeleteParams, ctx: CallContext): Promise<P.ManifestDeleteResult> {
  const { target, selector } = engine.openTarget(p, ctx, 'delete');
  const out = await deleteManifest(target, { selector, ...(p.force ? { force: true } : {}), ...(p.cascade ? { cascade: true } : {}) }, ctx);
  return { deleted: out.deleted.map((d) => referenced(target, d)), notFound: out.notFound };
}

function needDigest(p: { reference: string }, digest: string | undefined): string {
  if (!digest) {
    throw new OrasdError(ErrorCodes.InvalidReference, `${p.reference} names no blob digest`, { reference: p.reference, hint: 'write host/repo@sha256:<digest>' });
  }
  return digest;
}

export async function handleBlobFetch(engine: Engine, p: P.BlobFetchParams, ctx: CallContext): Promise<P.BlobFetchResult> {
  const { target, digest } = engine.openTarget(p, ctx);
  const d = await target.statBlob(needDigest(p, digest), sig(ctx));
  if (p.descriptor) return { descriptor: referenced(target, d) };
  if (!p.output) throw new OrasdError(ErrorCodes.InvalidArgument, 'blob/fetch needs output (a file path) unless descriptor is set', { reference: p.reference });
  const out = resolvePath(ctx.cwd, p.output);
  await checkOutputFolder(out, p.output);
  const tracker = new ProgressTracker('blob/fetch', ctx.progress);
  tracker.expect(d);
  tracker.started(d);
  const onBytes = tracker.bytes(d);
  let counted = 0;
  await downloadVerified(await target.fetchBlob(d, { ...sig(ctx), onBytes: (n) => onBytes((counted = n)) }), out, ctx);
  tracker.finished(d, 'done', counted);
  return { descriptor: referenced(target, d), path: out };
}

export async function handleBlobPush(engine: Engine, p: P.BlobPushParams, ctx: CallContext): Promise<P.BlobPushResult> {
  const { target, digest } = engine.openTarget(p, ctx, 'write');
  const file = resolvePath(ctx.cwd, p.file);
  const st = await statInput(file, p.file);
  if (!st.isFile()) throw new OrasdError(ErrorCodes.InvalidArgument, `${p.file} is not a regular file`, { path: p.file });
  const actual = await digestFile(file, digest ? digest.split(':')[0] : 'sha256', ctx.signal);
  if (digest && digest !== actual.digest) throw digestMismatch(`blob ${p.file}`, digest, actual.digest).withContext({ reference: p.reference });
  if (p.size !== undefined && p.size !== actual.size) {
    throw new OrasdError(ErrorCodes.SizeInvalid, `${p.file} is ${actual.size} bytes, not the ${p.size} given`, { reference: p.reference, path: p.file });
  }
  const desc = { mediaType: p.mediaType ?? 'application/octet-stream', digest: actual.digest, size: actual.size };
  const tracker = new ProgressTracker('blob/push', ctx.progress);
  tracker.expect(desc);
  await transferOne(target, desc, () => createReadStream(file, { highWaterMark: READ_CHUNK }), tracker, ctx.signal ?? new AbortController().signal);
  return referenced(target, desc);
}

export async function handleBlobDelete(engine: Engine, p: P.BlobDeleteParams, ctx: CallContext): Promise<P.BlobDeleteResult> {
  const { target, digest } = engine.openTarget(p, ctx, 'delete');
  const d = needDigest(p, digest);
  try {
    const desc = await target.statBlob(d, sig(ctx));
    await target.deleteBlob(desc, sig(ctx));
    return { descriptor: desc, notFound: false };
  } catch (e) {
    if (p.force && isNotFound(e)) return { notFound: true };
    throw e;
  }
}

export async function handleRepoTags(engine: Engine, p: P.RepoTagsParams, ctx: CallContext): Promise<P.RepoTagsResult> {
  const { target } = engine.openTarget(p, ctx);
  let tags = await target.tags({ ...sig(ctx), ...(p.last ? { last: p.last } : {}) });
  if (p.excludeDigestTags) tags = tags.filter((t) => !isDigestTag(t));
  return { tags };
}

export async function handleRepoList(engine: Engine, p: P.RepoListParams, ctx: CallContext): Promise<P.RepoListResult> {
  // The reference is a registry, optionally with a namespace: host[/namespace].
  const slash = p.reference.indexOf('/');
  const host = slash < 0 ? p.reference : p.reference.slice(0, slash);
  const namespace = slash < 0 ? '' : p.reference.slice(slash + 1).replace(/\/+$/, '');
  if (namespace) parseReference(`${host}/${namespace}`);
  else parseReference(`${host}/x`);
  checkRegistryHost(host, p.reference);
  const catalog = engine.registries.catalog(host, engine.registryOptions(p, ctx));
  let repos = await catalog.repositories({ ...sig(ctx), ...(p.last ? { last: p.last } : {}) });
  if (namespace) repos = repos.filter((r) => r.startsWith(`${namespace}/`)).map((r) => r.slice(namespace.length + 1));
  return { repositories: repos };
}

/** The folder an output file goes to must exist (as with oras): said before anything is downloaded. */
async function checkOutputFolder(out: string, shown: string): Promise<void> {
  const st = await stat(dirname(out)).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new OrasdError(ErrorCodes.FileNotFound, `the folder of output ${shown} does not exist`, { path: shown, hint: 'create the folder first, or pick another output path' });
  }
}

/** Streams verified content into a file that appears only once the whole content checked out. */
export async function downloadVerified(stream: NodeJS.ReadableStream, dest: string, ctx: Pick<CallContext, 'signal' | 'temps'>): Promise<void> {
  const tmp = tempPathFor(dest);
  ctx.temps?.add(tmp);
  try {
    await pipeline(stream, createWriteStream(tmp, { flags: 'wx' }), ...(ctx.signal ? [{ signal: ctx.signal }] : []));
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    ctx.temps?.remove(tmp);
  }
}
