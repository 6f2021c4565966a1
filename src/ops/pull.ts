import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, OrasdError, throwIfAborted } from '../errors';
import type { Descriptor } from '../oci/descriptor';
import { sameContent } from '../oci/descriptor';
import { Annotations, EmptyJson, MediaTypes } from '../oci/mediatypes';
import type { Target } from '../targets/target';
import { DEFAULT_CONCURRENCY, ProgressTracker, type OpContext } from './context';
import { exists, safeJoin, tempPathFor } from './files';
import { fetchParsed, fetchSelected, isManifest } from './graph';
import { runAll } from './transfer';
import { extractFolderLayer } from './unpack';

export interface PullInput {
  selector: string | undefined;
  /** Absolute output folder. */
  output: string;
  keepOldFiles?: boolean;
  allowPathTraversal?: boolean;
  includeSubject?: boolean;
  mediaTypes?: string[];
  platform?: string;
  concurrency?: number;
}

export interface PulledFile {
  path: string;
  descriptor: Descriptor;
}

export interface PullOutcome {
  descriptor: Descriptor;
  files: PulledFile[];
  skipped: Descriptor[];
}

interface Planned {
  desc: Descriptor;
  title: string;
  dest: string;
  unpack: boolean;
  staged?: string;
}

/**
 * Pulls the titled layers of an artifact (and of its index children, and with includeSubject of
 * its subjects) into a folder. Every file is downloaded and verified under a temporary name next
 * to its destination and only renamed into place once every layer has been verified, so a
 * failed or cancelled pull leaves no half-written or unverified file behind.
 */
export async function pull(target: Target, input: PullInput, ctx: OpContext): Promise<PullOutcome> {
  const signal = ctx.signal;
  const first = await fetchSelected(target, input.selector, { ...(signal ? { signal } : {}), ...(input.platform ? { platform: input.platform } : {}) });
  const root = first.descriptor;
  await mkdir(input.output, { recursive: true });

  // 1. Walk the graph to find the files.
  const planned = new Map<string, Planned>();
  const skipped: Descriptor[] = [];
  const visited = new Set<string>();
  const queue: Descriptor[] = [root];
  while (queue.length) {
    const desc = queue.shift()!;
    if (visited.has(desc.digest)) continue;
    visited.add(desc.digest);
    // The root was fetched (and parsed) to resolve the selector: not again.
    const node = desc === root ? first : await fetchParsed(target, desc, signal ? { signal } : {});
    const blobs: Descriptor[] = [];
    if (node.parsed.kind === 'index') queue.push(...node.parsed.json.manifests);
    else if (node.parsed.kind === 'manifest') blobs.push(...node.parsed.json.layers, node.parsed.json.config);
    else blobs.push(...(node.parsed.json.blobs ?? []));
    if (input.includeSubject && node.parsed.json.subject) queue.push(node.parsed.json.subject);
    for (const b of blobs) {
      if (isManifest(b)) {
        queue.push(b);
        continue;
      }
      const title = b.annotations?.[Annotations.Title];
      if (!title) {
        if (!sameContent(b, EmptyJson)) skipped.push(b);
        continue;
      }
      if (input.mediaTypes?.length && !input.mediaTypes.includes(b.mediaType)) {
        skipped.push(b);
        continue;
      }
      const prior = planned.get(title);
      if (prior) {
        if (prior.desc.digest !== b.digest) {
          throw new OrasdError(ErrorCodes.InvalidManifest, `two different layers are both named "${title}"`, { reference: target.reference(root.digest), path: title });
        }
        continue;
      }
      const unpack = b.annotations?.[Annotations.ContentUnpack] === 'true';
      if (title.includes('\0')) {
        throw new OrasdError(ErrorCodes.InvalidManifest, `layer title ${JSON.stringify(title)} contains a NUL character`, { reference: target.reference(root.digest) });
      }
      const dest = await safeJoin(input.output, title, !!input.allowPathTraversal);
      if (dest === resolve(input.output)) {
        throw new OrasdError(ErrorCodes.InvalidManifest, `layer title "${title}" names the output folder itself`, { reference: target.reference(root.digest), path: title });
      }
      planned.set(title, { desc: b, title, dest, unpack });
    }
  }

  // 2. Refuse up front what cannot land (a file where a folder must go, or the reverse) and
  // what would clobber files the user asked to keep: then nothing at all is written.
  const files = [...planned.values()];
  await checkPlacement(files, input.output, target.reference(root.digest));
  if (input.keepOldFiles) {
    for (const f of files) {
      if (await exists(f.dest)) {
        throw new OrasdError(ErrorCodes.FileExists, `${f.dest} already exists and keepOldFiles is set; nothing was written`, {
          path: f.dest,
          hint: 'remove the file, pull into another folder, or drop --keep-old-files',
        });
      }
    }
  }

  // 3. Download and verify everything under temporary names.
  const tracker = new ProgressTracker('pull', ctx.progress);
  // The root manifest is reported first (it has been read) and finished last, as oras shows it.
  tracker.expect(root);
  tracker.started(root);
  tracker.bytes(root)(root.size);
  for (const f of files) tracker.expect(f.desc);
  try {
    await runAll(files, input.concurrency ?? DEFAULT_CONCURRENCY, signal, async (f, sig) => {
      await mkdir(dirname(f.dest), { recursive: true });
      const staged = tempPathFor(f.dest);
      ctx.temps?.add(staged);
      f.staged = staged;
      tracker.started(f.desc);
      let counted = 0;
      const onBytes = tracker.bytes(f.desc);
      // The staging folder first: no await between opening the blob and consuming it.
      if (f.unpack) await mkdir(f.staged);
      const stream = await target.fetchBlob(f.desc, { signal: sig, onBytes: (n) => ((counted = n), onBytes(n)) });
      if (f.unpack) {
        const tarDigest = f.desc.annotations?.[Annotations.ContentDigest];
        await extractFolderLayer(stream, {
          into: f.staged,
          title: f.title,
          ...(tarDigest ? { tarDigest } : {}),
          gzip: f.desc.mediaType !== MediaTypes.ImageLayer && !f.desc.mediaType.endsWith('.tar'),
          allowPathTraversal: !!input.allowPathTraversal,
          signal: sig,
        });
      } else {
        await pipeline(stream, createWriteStream(f.staged, { flags: 'wx' }), { signal: sig });
      }
      tracker.finished(f.desc, 'done', counted);
    });
    throwIfAborted(signal, 'pull');

    // 4. Everything verified: move into place.
    for (const f of files) {
      if (f.unpack) await mergeInto(join(f.staged!, f.title), f.dest, !!input.keepOldFiles);
      else await rename(f.staged!, f.dest);
    }
  } finally {
    await Promise.all(
      files.map(async (f) => {
        if (!f.staged) return;
        await rm(f.staged, { recursive: true, force: true });
        ctx.temps?.remove(f.staged);
      }),
    );
  }
  tracker.finished(root, 'done', root.size);
  ctx.log?.info({ reference: target.reference(root.digest), files: files.length }, 'pull done');
  return { descriptor: root, files: files.map((f) => ({ path: f.dest, descriptor: f.desc })), skipped };
}

/**
 * Moves an extracted folder into place. An existing folder is merged into (its other files are
 * left alone, as oras does); each file lands by rename, so it is never seen half-written.
 */
async function mergeInto(from: string, to: string, keepOld: boolean): Promise<void> {
  const st = await lstat(from).catch(() => undefined);
  if (!st) return;
  const there = await lstat(to).catch(() => undefined);
  if (!there) {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    return;
  }
  if (st.isDirectory() && there.isDirectory()) {
    for (const name of await readdir(from)) await mergeInto(join(from, name), join(to, name), keepOld);
    return;
  }
  if (keepOld) {
    throw new OrasdError(ErrorCodes.FileExists, `${to} already exists and keepOldFiles is set`, { path: to });
  }
  if (there.isDirectory()) await rm(to, { recursive: true, force: true });
  await rename(from, to);
}

/**
 * Every destination must be placeable: no file title is the folder of another title, no folder
 * is in the way of a file (or a file in the way of a folder layer), and no existing file sits
 * where a folder is needed. Checked before anything is downloaded.
 */
async function checkPlacement(files: Planned[], output: string, reference: string): Promise<void> {
  const dests = new Map(files.map((f) => [f.dest, f]));
  const root = resolve(output);
  for (const f of files) {
    for (let dir = dirname(f.dest); dir !== root && dir !== dirname(dir); dir = dirname(dir)) {
      const other = dests.get(dir);
      if (other && !other.unpack) {
        throw new OrasdError(ErrorCodes.InvalidManifest, `layer titles "${other.title}" and "${f.title}" clash: the first is a file, the second needs it to be a folder`, { reference, path: f.title });
      }
      const st = await lstat(dir).catch(() => undefined);
      if (st && !st.isDirectory() && !st.isSymbolicLink()) {
        throw new OrasdError(ErrorCodes.FileExists, `cannot write ${f.dest}: ${dir} is a file, not a folder; nothing was written`, { path: dir, hint: 'move the file away or pull into another folder' });
      }
      if (st) break;
    }
    const there = await lstat(f.dest).catch(() => undefined);
    if (there && (f.unpack ? !there.isDirectory() : there.isDirectory())) {
      throw new OrasdError(ErrorCodes.FileExists, `cannot write ${f.unpack ? 'folder' : 'file'} ${f.dest}: a ${there.isDirectory() ? 'folder' : 'file'} of that name is in the way; nothing was written`, {
        path: f.dest,
        hint: 'move it away or pull into another folder',
      });
    }
  }
}
