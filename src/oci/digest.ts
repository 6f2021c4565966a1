import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, OrasdError } from '../errors';

const ALGORITHMS: Record<string, { node: string; hexLength: number }> = {
  sha256: { node: 'sha256', hexLength: 64 },
  sha512: { node: 'sha512', hexLength: 128 },
};

const SMALL_FILE = 1024 * 1024;
/** Chunk size for reading blobs from disk: large chunks mean fewer callbacks per GiB moved. */
export const READ_CHUNK = 1024 * 1024;

export interface ParsedDigest {
  algorithm: string;
  hex: string;
}

/** Parses and validates `alg:hex`. Only algorithms we can verify are accepted. */
export function parseDigest(digest: string): ParsedDigest {
  const i = digest.indexOf(':');
  const algorithm = i > 0 ? digest.slice(0, i) : '';
  const hex = i > 0 ? digest.slice(i + 1) : '';
  const alg = ALGORITHMS[algorithm];
  if (!alg) {
    throw new OrasdError(ErrorCodes.DigestInvalid, `invalid digest "${clip(digest)}": expected sha256:<64 hex> or sha512:<128 hex>`);
  }
  if (hex.length !== alg.hexLength || !/^[a-f0-9]+$/.test(hex)) {
    throw new OrasdError(ErrorCodes.DigestInvalid, `invalid digest "${clip(digest)}": ${algorithm} needs ${alg.hexLength} lowercase hex characters`);
  }
  return { algorithm, hex };
}

/** Whether s is a digest we can verify; cheap, no exception (it runs on every tag lookup). */
export function isDigest(s: string): boolean {
  const i = s.indexOf(':');
  const alg = i > 0 ? ALGORITHMS[s.slice(0, i)] : undefined;
  return alg !== undefined && s.length - i - 1 === alg.hexLength && /^[a-f0-9]+$/.test(s.slice(i + 1));
}

export function digestBytes(bytes: Uint8Array | string, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(ALGORITHMS[algorithm]!.node).update(bytes).digest('hex')}`;
}

export function newHash(algorithm = 'sha256'): Hash {
  const alg = ALGORITHMS[algorithm];
  if (!alg) throw new OrasdError(ErrorCodes.DigestInvalid, `unsupported digest algorithm ${algorithm}`);
  return createHash(alg.node);
}

/** Streams a file once to learn its digest and size. */
export async function digestFile(path: string, algorithm = 'sha256', signal?: AbortSignal): Promise<{ digest: string; size: number }> {
  // Small files (most artifacts' layers) in one read: a stream pipeline costs more than the hash.
  const st = await stat(path);
  if (st.isFile() && st.size <= SMALL_FILE) {
    const bytes = await readFile(path, signal ? { signal } : {});
    return { digest: digestBytes(bytes, algorithm), size: bytes.length };
  }
  const hash = newHash(algorithm);
  let size = 0;
  await pipeline(
    createReadStream(path, { highWaterMark: READ_CHUNK }),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
      }
      yield* [];
    },
    { signal },
  );
  return { digest: `${algorithm}:${hash.digest('hex')}`, size };
}

export interface Expected {
  digest: string;
  size: number;
}

/**
 * A pass-through that hashes what flows and fails the stream at its end (or as soon as it is too
 * long) when the content is not what the descriptor promised. Nothing downstream should treat the
 * data as good until this stream has finished without error.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private seen = 0;
  constructor(
    private readonly expected: Expected,
    private readonly what = 'content',
  ) {
    super();
    this.hash = newHash(parseDigest(expected.digest).algorithm);
  }
  get bytesSeen(): number {
    return this.seen;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expected.size >= 0 && this.seen > this.expected.size) {
      cb(sizeMismatch(this.what, this.expected, this.seen, true));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.expected.size >= 0 && this.seen !== this.expected.size) {
      cb(sizeMismatch(this.what, this.expected, this.seen, false));
      return;
    }
    const alg = parseDigest(this.expected.digest).algorithm;
    const actual = `${alg}:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest) {
      cb(digestMismatch(this.what, this.expected.digest, actual));
      return;
    }
    cb();
  }
}

export function digestMismatch(what: string, expected: string, actual: string): OrasdError {
  return new OrasdError(ErrorCodes.DigestMismatch, `digest mismatch for ${what}: expected ${expected}, got ${actual}; the content was discarded`, {
    detail: { expected, actual },
  });
}

function sizeMismatch(what: string, expected: Expected, seen: number, early: boolean): OrasdError {
  return new OrasdError(
    ErrorCodes.DigestMismatch,
    `size mismatch for ${what} (${expected.digest}): expected ${expected.size} bytes, got ${early ? 'more than that' : seen}; the content was discarded`,
    { detail: { expected: expected.size, actual: seen } },
  );
}

/** Verifies bytes held in memory against a descriptor. */
export function verifyBytes(bytes: Uint8Array, expected: Expected, what = 'content'): void {
  if (expected.size >= 0 && bytes.length !== expected.size) throw sizeMismatch(what, expected, bytes.length, false);
  const alg = parseDigest(expected.digest).algorithm;
  const actual = digestBytes(bytes, alg);
  if (actual !== expected.digest) throw digestMismatch(what, expected.digest, actual);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
