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
