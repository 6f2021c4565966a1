import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, opendir, readFile, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ErrorCodes, OrasdError } from '../errors';
import type { TempTracker } from './context';

/** Resolves a user path against the request's working directory. */
export function resolvePath(cwd: string, p: string): string {
  return isAbsolute(p) ? p : resolve(cwd, p);
}

export async function statInput(path: string, shown: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new OrasdError(ErrorCodes.FileNotFound, `file not found: ${shown}`, { path: shown, hint: 'check the path (relative paths resolve against cwd)' });
    }
    throw new OrasdError(ErrorCodes.FileNotFound, `cannot read ${shown}: ${(e as Error).message}`, { path: shown });
  }
}

export async function readInputFile(path: string, shown: string, maxBytes?: number): Promise<Buffer> {
  const st = await statInput(path, shown);
  if (!st.isFile()) throw new OrasdError(ErrorCodes.InvalidArgument, `${shown} is not a regular file`, { path: shown });
  if (maxBytes !== undefined && st.size > maxBytes) {
    throw new OrasdError(ErrorCodes.ManifestTooLarge, `${shown} is ${st.size} bytes, over the ${maxBytes}-byte limit`, { path: shown });
  }
  return readFile(path);
}

/** True when `child` (absolute) is `root` or lies under it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export function traversalError(name: string, output: string): OrasdError {
  return new OrasdError(ErrorCodes.PathTraversal, `refusing to write "${name}" outside the output folder ${output}`, {
    path: name,
    hint: 'pulling files outside the output folder is blocked; if you trust the content producer, pass allowPathTraversal (--allow-path-traversal)',
  });
}

/**
 * Where a file titled `name` lands under `output`, refusing names that leave the folder — also
 * through a symlinked parent that already exists on disk — unless traversal is allowed.
 */
export async function safeJoin(output: string, name: string, allowTraversal: boolean): Promise<string> {
  const target = isAbsolute(name) ? name : resolve(output, name);
  if (allowTraversal) return target;
  if (isAbsolute(name) || !isInside(output, target)) throw traversalError(name, output);
  // Follow existing ancestors: a symlink inside output pointing elsewhere would carry the write out.
  const realOutput = await realpath(output).catch(() => output);
  let probe = dirname(target);
  while (isInside(output, probe)) {
    try {
      const st = await lstat(probe);
      if (st.isSymbolicLink() || st.isDirectory()) {
        const real = await realpath(probe);
        if (!isInside(realOutput, real)) throw traversalError(name, output);
        break;
      }
    } catch (e) {
      if (e instanceof OrasdError) throw e;
    }
    if (probe === output) break;
    probe = dirname(probe);
  }
  // The final component itself may be a symlink placed to redirect the write.
  try {
    const st = await lstat(target);
    if (st.isSymbolicLink()) {
      const real = await realpath(target).catch(() => undefined);
      if (!real || !isInside(realOutput, real)) throw traversalError(name, output);
    }
  } catch (e) {
    if (e instanceof OrasdError) throw e;
  }
  return target;
}

/**
 * The temporary name a file or folder is written under before it is renamed to `dest`: hidden,
 * next to it (same file system, so the rename is atomic), with the name shortened so that a
 * destination name near the 255-byte limit still leaves room for the suffix.
 */
export function tempPathFor(dest: string): string {
  const stem = Buffer.from(basename(dest)).subarray(0, 64).toString('utf8').replace(/\uFFFD+$/, '');
  return join(dirname(dest), `.${stem}.orasd-${randomBytes(6).toString('hex')}`);
}

/**
 * Names this module gives temporary files and scratch folders, and the OCI layout target its
 * temporaries (targets/layout/atomic-write): the only ones crash recovery deletes.
 */
export function isTempName(name: string): boolean {
  return /^\.[\s\S]*\.orasd-[0-9a-f]{12}$/.test(name) || /^orasd-(pack|scratch)-[0-9a-f]{16}$/.test(name) || /^\.tmp-(index-)?[0-9a-f]{24}$/.test(name);
}

/** A private scratch folder removed by `dispose`, whatever happened (recorded with `temps` meanwhile). */
export async function scratchDir(kind: 'pack' | 'scratch' = 'scratch', temps?: TempTracker): Promise<{ path: string; dispose(): Promise<void> }> {
  const path = join(tmpdir(), `orasd-${kind}-${randomBytes(8).toString('hex')}`);
  temps?.add(path);
  try {
    await mkdir(path, { mode: 0o700 });
  } catch (e) {
    temps?.remove(path);
    throw e;
  }
  return {
    path,
    dispose: async () => {
      await removeTree(path);
      temps?.remove(path);
    },
  };
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a whole file under a temporary name and renames it into place: readers never see half of it. */
export async function writeFileAtomic(path: string, bytes: Uint8Array, mode = 0o644, temps?: TempTracker): Promise<void> {
  const tmp = tempPathFor(path);
  temps?.add(tmp);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    temps?.remove(tmp);
  }
}

/**
 * Removes a file or a whole folder tree, like rm -rf, in memory that does not grow with the tree:
 * fs.rm reads each folder into one array and removes all its entries at once, which for a staged
 * folder layer of a million files is a million requests in flight. Here a folder is streamed and
 * emptied one entry at a time (read again until empty: entries removed while a folder is read
 * may make it skip others). Symlinks are removed, never followed. A missing path is no error.
 */
export async function removeTree(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) {
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    return;
  }
  for (let seen = -1; seen !== 0; ) {
    seen = 0;
    const dir = await opendir(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (!dir) return;
    for await (const d of dir) {
      seen++;
      await removeTree(join(path, d.name));
    }
  }
  await rmdir(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
