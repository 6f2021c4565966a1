import { lstat, opendir, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { ErrorCodes, OrasdError } from '../errors';
import { digestMismatch, newHash, parseDigest } from '../oci/digest';
import { isInside } from './files';
import { SerialReservations } from './tar-reservations';

/** How much a folder layer may expand to, unless the pull or the daemon says otherwise. */
export interface ExtractLimits {
  /** Files, folders and links in one folder layer. */
  maxEntries: number;
  /** Bytes of file content in one folder layer, once unpacked. */
  maxBytes: number;
}

/**
 * Generous for real folders (a node_modules tree, a model's shards), small enough that a layer of
 * a few MB cannot fill the disk or the inode table unnoticed. oras has no limit at all.
 */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxEntries: 1_000_000, maxBytes: 16 * 2 ** 30 };

/** Entries parsed but not yet written before the feeder waits (an empty file has no body to wait on). */
const MAX_PENDING_ENTRIES = 256;

export interface ExtractOptions {
  /** Longest wait for the extractor to take more data or to finish (default 60 s). */
  stallMs?: number;
  /** Folder the archive's entries are written into (a private staging folder). */
  into: string;
  /** The layer's title: every entry must live under it, as oras requires. */
  title: string;
  /** io.deis.oras.content.digest: digest of the uncompressed tar, checked when present. */
  tarDigest?: string;
  gzip: boolean;
  allowPathTraversal: boolean;
  signal?: AbortSignal;
  limits?: ExtractLimits;
}

/** The flag, environment variable and pull param that raise each limit. */
const LIMIT_NAMES = {
  maxEntries: { param: 'maxExtractEntries', flag: '--max-extract-entries', env: 'ORASD_MAX_EXTRACT_ENTRIES', what: 'files, folders and links' },
  maxBytes: { param: 'maxExtractBytes', flag: '--max-extract-bytes', env: 'ORASD_MAX_EXTRACT_BYTES', what: 'bytes of file content' },
} as const;

function limitExceeded(title: string, limit: keyof ExtractLimits, value: number): OrasdError {
  const n = LIMIT_NAMES[limit];
  return new OrasdError(ErrorCodes.LimitExceeded, `folder layer "${title}" unpacks to more than ${value} ${n.what} (${n.param} = ${value}); nothing was written`, {
    path: title,
    hint: `if you trust the content, raise the limit: the pull param ${n.param}, or start the daemon with ${n.flag} (${n.env})`,
    detail: { limit: n.param, value },
  });
}

function unsafe(title: string, entry: string, why: string): OrasdError {
  return new OrasdError(ErrorCodes.UnsafeArchive, `refusing to extract "${entry}" from folder layer "${title}": ${why}`, {
    path: entry,
    hint: 'the archive tries to write outside its folder or holds special files; if you trust the content producer, pass allowPathTraversal (--allow-path-traversal)',
  });
}

/**
 * Checks one tar entry against the rules that keep extraction inside the folder: a relative
 * path under the title, links that resolve inside it, and only files, folders and links.
 */
export function checkEntry(title: string, entry: { path: string; type: string; linkpath?: string }, allowTraversal: boolean): OrasdError | undefined {
  const raw = entry.path;
  if (raw.includes('\0')) return unsafe(title, raw, 'NUL in name');
  if (entry.type === 'CharacterDevice' || entry.type === 'BlockDevice' || entry.type === 'FIFO') {
    return unsafe(title, raw, `${entry.type} entries are not extracted`);
  }
  if ((entry.type === 'SymbolicLink' || entry.type === 'Link') && entry.linkpath !== undefined) {
    // node-tar reserves an entry's path and its raw link path together; when one is the other or
    // an ancestor of it, the reservation waits on itself and extraction never ends (tar 7.5).
    const p = posix.join(raw).replace(/\/+$/, '');
    const l = posix.join(entry.linkpath).replace(/\/+$/, '');
    if (p === l || p.startsWith(`${l}/`) || l.startsWith(`${p}/`)) return unsafe(title, raw, `link to its own path or folder (${entry.linkpath})`);
  }
  if (allowTraversal) return undefined;
  if (posix.isAbsolute(raw) || /^[a-zA-Z]:[\\/]/.test(raw)) return unsafe(title, raw, 'absolute path');
  const norm = posix.normalize(raw).replace(/\/+$/, '');
  const prefix = posix.normalize(title).replace(/\/+$/, '');
  if (norm !== prefix && !norm.startsWith(`${prefix}/`)) return unsafe(title, raw, `outside the folder "${title}"`);
  if (norm.split('/').includes('..')) return unsafe(title, raw, 'path climbs out with ..');
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const link = entry.linkpath ?? '';
    if (posix.isAbsolute(link)) return unsafe(title, raw, `link to absolute path ${link}`);
    // Symlinks resolve against the entry's folder; hard links against the archive root.
    const target = entry.type === 'SymbolicLink' ? posix.normalize(posix.join(posix.dirname(norm), link)) : posix.normalize(link);
    if (target !== prefix && !target.startsWith(`${prefix}/`)) return unsafe(title, raw, `link escapes the folder (${link})`);
  }
  return undefined;
}

/**
 * Extracts a folder layer from its (already digest-verified-as-it-streams) content into a
 * staging folder. The uncompressed tar is hashed in the same pass and compared with the
 * annotation, so a tar that decompresses to something else than what was pushed is refused.
 */
export async function extractFolderLayer(content: Readable, opts: ExtractOptions): Promise<void> {
  const tarHash = opts.tarDigest ? newHash(parseDigest(opts.tarDigest).algorithm) : undefined;
  const limits = opts.limits ?? DEFAULT_EXTRACT_LIMITS;
  let entries = 0;
  let bytes = 0;
  let violation: OrasdError | undefined;
  const extractor = tar.x({
    cwd: opts.into,
    strict: true,
    preserveOwner: false,
    // Entries are checked by checkEntry; absolute paths are kept only when traversal is allowed.
    preservePaths: opts.allowPathTraversal,
    filter: (path, entry) => {
      const e = entry as unknown as { type: string; linkpath?: string };
      const problem = checkEntry(opts.title, { path, type: e.type, ...(e.linkpath !== undefined ? { linkpath: e.linkpath } : {}) }, opts.allowPathTraversal);
      if (problem) {
        violation ??= problem;
        return false;
      }
      if (!opts.allowPathTraversal && !isInside(opts.into, resolve(opts.into, path))) {
        violation ??= unsafe(opts.title, path, 'outside the output folder');
        return false;
      }
      // Counted from the headers, before anything of the entry is written.
      bytes += (entry as unknown as { size?: number }).size ?? 0;
      if (++entries > limits.maxEntries) violation ??= limitExceeded(opts.title, 'maxEntries', limits.maxEntries);
      else if (bytes > limits.maxBytes) violation ??= limitExceeded(opts.title, 'maxBytes', limits.maxBytes);
      return !violation;
    },
  }) as unknown as NodeJS.WritableStream & NodeJS.EventEmitter & { reservations: unknown };
  const reservations = new SerialReservations();
  // tar 7's reservations are a public field; a later tar keeps its own private (and fixed) ones.
  if (typeof (extractor.reservations as { reserve?: unknown } | undefined)?.reserve === 'function') extractor.reservations = reservations;
  // node-tar's extractor is a minipass stream: it signals completion with 'close', which
  // stream.pipeline does not wait for, so it is fed by hand with backpressure.
  let tarError: Error | undefined;
  extractor.on('error', (e: Error) => (tarError ??= e));
  const closed = new Promise<void>((resolve) => extractor.on('close', () => resolve()));
  let source: AsyncIterable<Buffer> = content;
  if (opts.gzip) {
    // pipeline, not pipe(): a digest failure upstream must end the extraction, also one that
    // happened before this function was called (pipe() would then wait for ever).
    const gunzip = createGunzip();
    pipeline(content, gunzip, () => undefined);
    source = gunzip;
  }
  // Waits on the extractor end when it stops making progress (and, while feeding it, on
  // cancellation): a request must never hang on an archive that wedges the extractor.
  const stallMs = opts.stallMs ?? 60_000;
  const guarded = (p: Promise<void>, abortable: boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const stall = setTimeout(() => reject(unsafe(opts.title, '(archive)', `the extractor made no progress for ${Math.round(stallMs / 1000)} s`)), stallMs);
      const onAbort = () => reject(opts.signal?.reason ?? new Error('aborted'));
      if (abortable) opts.signal?.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => {
        clearTimeout(stall);
        opts.signal?.removeEventListener('abort', onAbort);
      });
    });
  let failure: unknown;
  try {
    for await (const chunk of source) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      tarHash?.update(chunk);
      if (!extractor.write(chunk)) {
        await guarded(
          new Promise<void>((r) => {
            const go = () => {
              extractor.off('drain', go);
              extractor.off('error', go);
              r();
            };
            extractor.on('drain', go);
            extractor.on('error', go);
          }),
          true,
        );
      }
      if (reservations.pending >= MAX_PENDING_ENTRIES) await guarded(reservations.settled(MAX_PENDING_ENTRIES / 2), true);
      // The first refusal ends the feeding; the rest of the archive is not worth unpacking.
      if (tarError || violation) break;
    }
  } catch (e) {
    failure = e;
  }
  // Whatever happened, the extractor finishes the writes it started before this returns: the
  // caller removes the staging folder next, and a late write would land after that.
  try {
    extractor.end();
  } catch {
    // already ended or broken: 'close' (or the stall guard) still tells when it is quiet
  }
  await guarded(closed, false).catch((e: unknown) => (failure ??= e));
  if (failure === undefined && violation) throw violation;
  if (failure === undefined && tarError) failure = tarError;
  if (failure !== undefined) {
    if (failure instanceof OrasdError) throw failure;
    if (opts.signal?.aborted) throw failure;
    throw new OrasdError(ErrorCodes.UnsafeArchive, `cannot extract folder layer "${opts.title}": ${(failure as Error).message}`, {}, { cause: failure });
  }
  if (!violation && !opts.allowPathTraversal) violation = await escapingLink(opts.into, opts.title);
  if (violation) throw violation;
  if (tarHash && opts.tarDigest) {
    const actual = `${parseDigest(opts.tarDigest).algorithm}:${tarHash.digest('hex')}`;
    if (actual !== opts.tarDigest) throw digestMismatch(`uncompressed content of folder "${opts.title}"`, opts.tarDigest, actual);
  }
}

/**
 * Where an absolute path really leads on disk, component by component: a symlink is replaced by
 * its target and '..' climbs from where the links led, not from the spelling (path.join would
 * cancel 'b/..' lexically, which is exactly the trick to catch). A missing tail resolves as written.
 */
export async function physicalPath(p: string): Promise<string> {
  let pending = p.split(sep);
  let at: string = sep;
  let hops = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      at = dirname(at);
      continue;
    }
    const next = join(at, part);
    const st = await lstat(next).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new Error('too many symbolic links');
      const to = await readlink(next);
      pending = [...to.split(sep), ...pending];
      if (isAbsolute(to)) at = sep;
      continue;
    }
    at = next;
  }
  return at;
}

/**
 * Each link is checked against the folder when it is extracted, but only on paper: links that
 * go through other links (b -> ., c -> b/.., d -> c/..) can lead out although every one of them
 * looks inside. After extraction every symlink is followed on disk and must stay in the folder.
 */
async function escapingLink(into: string, title: string): Promise<OrasdError | undefined> {
  const top = join(into, title);
  // opendir streams a folder's entries: a folder of a million files is not read into one array.
  const walk = async (dir: string): Promise<OrasdError | undefined> => {
    const handle = await opendir(dir).catch(() => undefined);
    if (!handle) return undefined;
    for await (const d of handle) {
      const p = join(dir, d.name);
      if (d.isSymbolicLink()) {
        const to = await physicalPath(p).catch(() => undefined);
        if (!to || !isInside(top, to)) return unsafe(title, relative(into, p), 'the link, followed through the links it names, leads outside the folder');
      } else if (d.isDirectory()) {
        const found = await walk(p);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(top);
}
