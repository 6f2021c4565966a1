import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseDigest } from '../../oci/digest';
import { ErrorCodes, OrasdError } from '../../errors';
import { writeBytes, writeFileAtomic, type TempRecorder } from './atomic-write';
import { emptyIndex, encodeIndexFile, parseIndexFile, type IndexFile } from './index-file';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const BLOBS_DIR = 'blobs';
export const LAYOUT_VERSION = '1.0.0';
/** Exactly what oras-go writes (json.Marshal of ocispec.ImageLayout, no newline). */
const OCI_LAYOUT_BYTES = Buffer.from(`{"imageLayoutVersion":"${LAYOUT_VERSION}"}`);

export interface BlobLocation {
  dir: string;
  file: string;
}

/**
 * Where a blob lives. The digest is validated first: it is the only user input that becomes a
 * file name, and a validated digest is `alg:hex` with a known algorithm and lowercase hex, so it
 * cannot climb out of blobs/.
 */
export function blobLocation(root: string, digest: string): BlobLocation {
  const { algorithm, hex } = parseDigest(digest);
  const dir = join(root, BLOBS_DIR, algorithm);
  return { dir, file: join(dir, hex) };
}

export function isNotFoundFs(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The folder's identity for locking: its real path, so `/a/link` and `/a/target` share one lock.
 * A layout that does not exist yet is keyed by the real path of its nearest existing ancestor.
 */
export async function canonicalPath(path: string): Promise<string> {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      return join(await realpath(p), ...missing.reverse());
    } catch (e) {
      if (!isNotFoundFs(e)) throw e;
      const up = dirname(p);
      if (up === p) return resolve(path);
      missing.push(basename(p));
      p = up;
    }
  }
}

/** index.json, or undefined when the layout (or its index.json) does not exist. */
export async function readIndexFile(root: string): Promise<IndexFile | undefined> {
  const file = join(root, INDEX_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if (isNotFoundFs(e)) return undefined;
    throw fsError(e, `cannot read ${file}`, file);
  }
  return parseIndexFile(bytes, file);
}

export async function writeIndexFile(root: string, idx: IndexFile, temps?: TempRecorder): Promise<void> {
  const bytes = encodeIndexFile(idx);
  await writeFileAtomic(root, INDEX_FILE, (fh) => writeBytes(fh, bytes), { tempPrefix: '.tmp-index-', temps });
}

/**
 * Makes `root` an image layout if it is not one yet: blobs/, oci-layout, index.json, as
 * `oras push --oci-layout` does. An existing oci-layout must declare version 1.0.0 and an existing
 * index.json must parse, or we would be writing into something we do not understand.
 * Callers hold the layout's lock, so two of our writers never race here.
 */
export async function ensureLayout(root: string, temps?: TempRecorder): Promise<void> {
  await mkdir(join(root, BLOBS_DIR), { recursive: true });
  const layoutFile = join(root, OCI_LAYOUT_FILE);
  try {
    await writeFile(layoutFile, OCI_LAYOUT_BYTES, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(e, `cannot create ${layoutFile}`, layoutFile);
    await checkLayoutFile(root);
  }
  if ((await readIndexFile(root)) === undefined) await writeIndexFile(root, emptyIndex(), temps);
}

export async function checkLayoutFile(root: string): Promise<void> {
  const file = join(root, OCI_LAYOUT_FILE);
  let version: unknown;
  try {
    version = (JSON.parse(await readFile(file, 'utf8')) as { imageLayoutVersion?: unknown })?.imageLayoutVersion;
  } catch (e) {
    if (isNotFoundFs(e)) return; // index.json alone is enough to read a layout, as for oras-go's writable store
    throw new OrasdError(ErrorCodes.InvalidArgument, `${file} is not a valid oci-layout file: ${(e as Error).message}`, { path: file });
  }
  if (version !== LAYOUT_VERSION) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `${file} declares imageLayoutVersion ${JSON.stringify(version)}; only ${LAYOUT_VERSION} is supported`, { path: file });
  }
}

export function fsError(e: unknown, message: string, path?: string): OrasdError {
  if (e instanceof OrasdError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  return new OrasdError(denied ? ErrorCodes.Denied : ErrorCodes.InternalError, `${message}: ${(e as Error)?.message ?? String(e)}`, { ...(path ? { path } : {}), ...(code ? { detail: { errno: code } } : {}) }, { cause: e });
}
