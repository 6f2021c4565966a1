import { lstat } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * Where clients find the daemon and whether they may trust what they find there, part of the
 * contract so that every client (the C and Python launchers, the Python and TypeScript clients,
 * the Node launcher) computes the same path and applies the same check. The C launcher and the
 * Python modules carry generated copies of these rules (protocol/gen-client-rules.ts, run by
 * `npm run gen`); a test fails when a copy drifts.
 */

/** Names the socket outright when set. */
export const SOCKET_ENV = 'ORASD_SOCKET';
/** Else the socket is `$XDG_RUNTIME_DIR/<RUNTIME_SOCKET>`... */
export const RUNTIME_DIR_ENV = 'XDG_RUNTIME_DIR';
export const RUNTIME_SOCKET = 'orasd/orasd.sock';
/**
 * ...else `<tmp>/<TMP_FOLDER_PREFIX><uid>/<SOCKET_NAME>`, tmp being the first of TMP_ENVS that is
 * set (without trailing slashes), else TMP_DEFAULT: what Node's os.tmpdir() yields on POSIX.
 */
export const TMP_ENVS = ['TMPDIR', 'TMP', 'TEMP'] as const;
export const TMP_DEFAULT = '/tmp';
export const TMP_FOLDER_PREFIX = 'orasd-';
export const SOCKET_NAME = 'orasd.sock';

/** Mode bits a socket folder must not have: any access for group or others. */
export const FOLDER_FORBIDDEN_MODE = 0o077;

/**
 * Why a socket folder is refused, as templates ({folder}, {owner}, {uid}, {mode} in this order
 * where present: the C launcher fills them as printf arguments).
 */
export const FOLDER_PROBLEMS = {
  notDirectory: 'socket folder {folder} is not a directory (a symlink?)',
  notOwned: 'socket folder {folder} belongs to uid {owner}, not to you (uid {uid})',
  open: 'socket folder {folder} is accessible to other users (mode {mode})',
} as const;

/** What a client says after a folder problem: it sent nothing, and how to get going again. */
export const CLIENT_REFUSAL =
  'refusing to connect, since whoever controls that folder could be listening there and would receive your commands and passwords; set ORASD_SOCKET to a socket in a folder of your own with mode 0700, or remove that folder if it is yours';

/**
 * What a daemon started by a client receives of that client's environment: only what it needs to
 * run (XDG_CONFIG_HOME: where its own config file is). Credentials, config files, helpers and proxies come with each caller's requests
 * (protocol/caller-env.ts), never from whichever client happened to start the daemon.
 */
export const DAEMON_ENV_NAMES = ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS', 'XDG_CONFIG_HOME'] as const;
export const DAEMON_ENV_PREFIXES = ['ORASD_'] as const;

/**
 * The socket path:
 * 1. `ORASD_SOCKET` when set;
 * 2. `$XDG_RUNTIME_DIR/orasd/orasd.sock` when XDG_RUNTIME_DIR is set;
 * 3. `<tmpdir>/orasd-<uid>/orasd.sock` (tmpdir from TMPDIR, TMP, TEMP, else /tmp).
 * The folder is private to the user (0700) and the daemon refuses one that is not.
 */
export function defaultSocketPath(env: Record<string, string | undefined> = process.env, uid: number = process.getuid?.() ?? 0): string {
  if (env[SOCKET_ENV]) return env[SOCKET_ENV];
  if (env[RUNTIME_DIR_ENV]) return join(env[RUNTIME_DIR_ENV], RUNTIME_SOCKET);
  let tmp = TMP_ENVS.map((k) => env[k]).find((v) => v) ?? TMP_DEFAULT;
  while (tmp.length > 1 && tmp.endsWith('/')) tmp = tmp.slice(0, -1);
  return join(tmp, `${TMP_FOLDER_PREFIX}${uid}`, SOCKET_NAME);
}

/** The environment a client starts the daemon with (DAEMON_ENV_*), plus the socket it serves. */
export function daemonEnv(env: Record<string, string | undefined>, socketPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && ((DAEMON_ENV_NAMES as readonly string[]).includes(k) || DAEMON_ENV_PREFIXES.some((p) => k.startsWith(p)))) out[k] = v;
  }
  out[SOCKET_ENV] = socketPath;
  return out;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k]));
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
  if (!st.isDirectory()) return fill(FOLDER_PROBLEMS.notDirectory, { folder: dir });
  if (uid !== undefined && st.uid !== uid) return fill(FOLDER_PROBLEMS.notOwned, { folder: dir, owner: st.uid, uid });
  if ((st.mode & FOLDER_FORBIDDEN_MODE) !== 0) return fill(FOLDER_PROBLEMS.open, { folder: dir, mode: (st.mode & 0o777).toString(8) });
  return undefined;
}
