import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { CLIENT_REFUSAL, daemonEnv, defaultSocketPath, socketFolderProblem } from '../../protocol/endpoint';

export interface SpawnOptions {
  /** Command that starts the daemon; default: this package's `orasd` with the running Node. */
  daemonCommand?: string[];
  /**
   * Extra arguments for `orasd serve`, e.g. ["--idle-timeout", "600"]. Default: an idle timeout of
   * 1800 s that the user's ORASD_IDLE_TIMEOUT or config file overrides.
   */
  serveArgs?: string[];
  /**
   * The caller's environment (default: this process's): it locates the socket, its forwarded
   * part (protocol/caller-env.ts) is sent in `initialize`, and a spawned daemon gets only what it
   * needs to run from it (protocol/endpoint.ts DAEMON_ENV_*).
   */
  env?: NodeJS.ProcessEnv;
}

/** The `orasd` entry point of this package, run with the current Node. */
export function defaultDaemonCommand(): string[] {
  return [process.execPath, join(__dirname, '..', '..', 'src', 'main.js')];
}

function tryConnect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * Starts a daemon in the background, detached from this process, on the given socket. It runs in
 * the socket's folder (its state folder), not ours, and without our environment: credentials and
 * proxies come with each caller's requests, never from whoever started the daemon.
 */
export function spawnDaemon(socketPath: string, opts: SpawnOptions = {}): ChildProcess {
  const [cmd, ...args] = opts.daemonCommand ?? defaultDaemonCommand();
  const path = resolve(socketPath);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 }); // the daemon would make it, but it starts in there
  const child = spawn(cmd!, [...args, 'serve', '--socket', path, ...(opts.serveArgs ?? ['--idle-timeout-default', '1800'])], {
    detached: true,
    stdio: 'ignore',
    cwd: dirname(path),
    env: daemonEnv(opts.env ?? process.env, path),
  });
  child.unref();
  return child;
}

/**
 * Connects to the daemon's socket, starting a daemon when none answers. Many callers racing
 * here each spawn at most one daemon; the daemon side lock makes all but one exit at once, and
 * every caller connects to the survivor.
 */
export async function connectSocket(opts: { socketPath?: string; autoSpawn?: boolean; timeoutMs?: number } & SpawnOptions = {}): Promise<Socket> {
  const path = opts.socketPath ?? defaultSocketPath(opts.env ?? process.env);
  const problem = await socketFolderProblem(dirname(path));
  if (problem) throw new Error(`${problem}; ${CLIENT_REFUSAL}`);
  try {
    return await tryConnect(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (opts.autoSpawn === false || (code !== 'ENOENT' && code !== 'ECONNREFUSED')) throw e;
  }
  const child = spawnDaemon(path, opts);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  // Made by someone else between the check and the spawn's mkdir: the check once more.
  const late = await socketFolderProblem(dirname(path));
  if (late) throw new Error(`${late}; ${CLIENT_REFUSAL}`);
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let delay = 10;
  for (;;) {
    try {
      return await tryConnect(path);
    } catch (e) {
      if (spawnError) throw new Error(`cannot start the daemon (${(opts.daemonCommand ?? defaultDaemonCommand()).join(' ')}): ${spawnError.message}`);
      if (Date.now() > deadline) {
        throw new Error(`orasd did not start on ${path} within ${opts.timeoutMs ?? 15_000} ms (${(e as Error).message}); run \`orasd serve --socket ${path}\` to see why`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 200);
    }
  }
}
