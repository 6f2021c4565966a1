import { createHash, type Hash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCodes, OrasdError, throwIfAborted } from '../errors';

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

/**
 * Reads a file once to learn its digest and size. Large files go through one reused buffer:
 * a stream would allocate a new buffer per chunk, and those float as garbage outside V8's heap
 * (tens of MiB of RSS for a large file) until a GC happens to run. `onBytes` reports how far the
 * hashing got, so a caller can show progress before the digest exists.
 */
export async function digestFile(path: string, algorithm = 'sha256', signal?: AbortSignal, onBytes?: (done: number, total: number) => void): Promise<{ digest: string; size: number }> {
  // Small files (most artifacts' layers) in one read: a loop costs more than the hash.
  const st = await stat(path);
  if (st.isFile() && st.size <= SMALL_FILE) {
    const bytes = await readFile(path, signal ? { signal } : {});
    return { digest: digestBytes(bytes, algorithm), size: bytes.length };
  }
  const hash = newHash(algorithm);
  let size = 0;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      throwIfAborted(signal, `hashing ${path}`);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      size += bytesRead;
      onBytes?.(size, st.size);
    }
  } finally {
    await fh.close();
  }
  return { digest: `${algorithm}:${hash.digest('hex')}`, size };
}

export interface Expected {
  digest: string;
  size: number;
}

/**
 * Hashes content as it arrives and says whether it is what the descriptor promised: too long as
 * soon as it is, wrong size or digest at the end. One object per download, no copies.
 */
export class Verifier {
  private readonly hash: Hash;
  private seen = 0;
  constructor(
    private readonly expected: Expected,
    private readonly what = 'content',
  ) {
    this.hash = newHash(parseDigest(expected.digest).algorithm);
  }
  get bytesSeen(): number {
    return this.seen;
  }
  /** Hashes a chunk; an error (and nothing hashed) when the content is now longer than promised. */
  update(chunk: Buffer): OrasdError | undefined {
    this.seen += chunk.length;
    if (this.expected.size >= 0 && this.seen > this.expected.size) return sizeMismatch(this.what, this.expected, this.seen, true);
    this.hash.update(chunk);
    return undefined;
  }
  /** After the last chunk: an error unless both size and digest are the promised ones. */
  finish(): OrasdError | undefined {
    if (this.expected.size >= 0 && this.seen !== this.expected.size) return sizeMismatch(this.what, this.expected, this.seen, false);
    const alg = parseDigest(this.expected.digest).algorithm;
    const actual = `${alg}:${this.hash.digest('hex')}`;
    return actual === this.expected.digest ? undefined : digestMismatch(this.what, this.expected.digest, actual);
  }
}

/**
 * A pass-through that hashes what flows and fails the stream at its end (or as soon as it is too
 * long) when the content is not what the descriptor promised. Nothing downstream should treat the
 * data as good until this stream has finished without error.
 */
export class VerifyingStream extends Transform {
  private readonly verifier: Verifier;
  constructor(expected: Expected, what = 'content') {
    super();
    this.verifier = new Verifier(expected, what);
  }
  get bytesSeen(): number {
    return this.verifier.bytesSeen;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const err = this.verifier.update(chunk);
    if (err) cb(err);
    else cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    cb(this.verifier.finish());
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
