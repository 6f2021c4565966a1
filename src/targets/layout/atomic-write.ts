import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where temporaries are recorded while they exist, so a daemon killed mid-write has them removed by
 * its successor (the server's temp-file journal fits this shape; targets do not import it).
 */
export interface TempRecorder {
  add(path: string): void;
  remove(path: string): void;
}

/** Temp files start with a dot and are never valid digests, so layout readers (and oras's GC) skip them. */
export function tempName(prefix = '.tmp-'): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

/**
 * Writes a file so readers see either the old content or the whole new content, and a crash
 * leaves at worst a stray temp file: write a temp file in the same folder (same filesystem, so
 * rename is atomic), fsync it, rename it over the target, fsync the folder so the rename
 * survives a power cut. The temp file is removed on any failure, including a cancelled write.
 */
export async function writeFileAtomic(
  dir: string,
  finalName: string,
  write: (fh: FileHandle) => Promise<void>,
  opts: { mode?: number; tempPrefix?: string; temps?: TempRecorder | undefined } = {},
): Promise<void> {
  const temp = join(dir, tempName(opts.tempPrefix));
  let fh: FileHandle | undefined;
  opts.temps?.add(temp);
  try {
    fh = await open(temp, 'wx', opts.mode ?? 0o644);
    await write(fh);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(temp, join(dir, finalName));
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  } finally {
    opts.temps?.remove(temp);
  }
  await syncDir(dir);
}

export async function writeBytes(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}

/** Makes a rename or unlink in `dir` durable. Some filesystems cannot fsync a folder: that is not an error. */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EINVAL/EPERM on platforms and filesystems without directory fsync.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
