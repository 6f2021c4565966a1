import { posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { ErrorCodes, OrasdError } from '../errors';
import { digestMismatch, newHash, parseDigest } from '../oci/digest';
import { isInside } from './files';

export interface ExtractOptions {
  /** Folder the archive's entries are written into (a private staging folder). */
  into: string;
  /** The layer's title: every entry must live under it, as oras requires. */
  title: string;
  /** io.deis.oras.content.digest: digest of the uncompressed tar, checked when present. */
  tarDigest?: string;
  gzip: boolean;
  allowPathTraversal: boolean;
  signal?: AbortSignal;
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
      return true;
    },
  }) as unknown as NodeJS.WritableStream & NodeJS.EventEmitter;
  // node-tar's extractor is a minipass stream: it signals completion with 'close', which
  // stream.pipeline does not wait for, so it is fed by hand with backpressure.
  const finished = new Promise<void>((resolve, reject) => {
    extractor.on('close', () => resolve());
    extractor.on('error', reject);
  });
  finished.catch(() => undefined);
  let source: AsyncIterable<Buffer> = content;
  if (opts.gzip) {
    const gunzip = createGunzip();
    // pipe() does not forward errors: a digest failure upstream must end the extraction.
    content.on('error', (e) => gunzip.destroy(e));
    source = content.pipe(gunzip);
  }
  try {
    for await (const chunk of source) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      tarHash?.update(chunk);
      if (!extractor.write(chunk)) await new Promise<void>((r, j) => {
        extractor.once('drain', r);
        extractor.once('error', j);
      });
    }
    extractor.end();
    await finished;
  } catch (e) {
    if (e instanceof OrasdError) throw e;
    if (opts.signal?.aborted) throw e;
    throw new OrasdError(ErrorCodes.UnsafeArchive, `cannot extract folder layer "${opts.title}": ${(e as Error).message}`, {}, { cause: e });
  }
  if (violation) throw violation;
  if (tarHash && opts.tarDigest) {
    const actual = `${parseDigest(opts.tarDigest).algorithm}:${tarHash.digest('hex')}`;
    if (actual !== opts.tarDigest) throw digestMismatch(`uncompressed content of folder "${opts.title}"`, opts.tarDigest, actual);
  }
}
