import { lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where clients find the daemon, part of the contract so every client computes the same path:
 * 1. `ORASD_SOCKET` when set;
 * 2. `$XDG_RUNTIME_DIR/orasd/orasd.sock` when XDG_RUNTIME_DIR is set;
 * 3. `<tmpdir>/orasd-<uid>/orasd.sock` (tmpdir from TMPDIR, else /tmp).
 * The folder is private to the user (0700) and the daemon refuses one that is not.
 */
export function defaultSocketPath(env: Record<string, string | undefined> = process.env, uid: number = process.getuid?.() ?? 0): string {
  if (env.ORASD_SOCKET) return env.ORASD_SOCKET;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'orasd', 'orasd.sock');
  return join(env.TMPDIR || tmpdir(), `orasd-${uid}`, 'orasd.sock');
}

/**
 * Why a socket folder must not be trusted, or undefined when it may: it must be a real directory
 * (not a symlink) owned by this user and closed to group and others. Another user who controls
 * the folder could put a fake daemon there and collect the credentials clients send. Clients
 * check before connecting; the daemon checks before listening.
 */
export async function socketFolderProblem(dir: string): Promise<string | undefined> {
  let st;
  try {
    st = await lstat(dir);
  } catch {
    return undefined; // missing: the daemon creates it 0700
  }
  const uid = process.getuid?.();
  if (!st.isDirectory()) return `socket folder ${dir} is not a directory (a symlink?)`;
  if (uid !== undefined && st.uid !== uid) return `socket folder ${dir} belongs to uid ${st.uid}, not to you (uid ${uid})`;
  if ((st.mode & 0o077) !== 0) return `socket folder ${dir} is accessible to other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}
