import { closeSync, openSync, writeSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { socketFolderProblem } from '../../protocol/endpoint';
import { ErrorCodes, OrasdError } from '../errors';
import { pidAlive } from './pid-alive';

/**
 * Makes sure the socket folder is private: created 0700 if missing; refused if it is a symlink,
 * owned by someone else, or open to group/others — another user could otherwise swap the
 * socket and receive our clients' credentials.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const problem = await socketFolderProblem(dir);
  if (problem) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `${problem}; refusing to use it`, {
      hint: `make it yours and private (chmod 700 ${dir}), or set ORASD_SOCKET to a path in a private folder`,
    });
  }
}

/** Whether a daemon answers on this socket path. */
export function probeSocket(path: string, timeoutMs = 1000): Promise<'live' | 'stale' | 'absent'> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('live');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('live');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ENOENT' ? 'absent' : 'stale');
    });
  });
}

/**
 * A pid lock next to the socket: only one daemon at a time may decide the socket is stale and
 * replace it, so ten launchers starting daemons at once end with one daemon serving.
 */
async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return async () => {
        const owner = await readFile(lockPath, 'utf8').catch(() => '');
        if (owner === String(process.pid)) await unlink(lockPath).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (!Number.isFinite(owner) || !pidAlive(owner)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new OrasdError(ErrorCodes.InvalidArgument, `could not take the daemon lock ${lockPath}; another daemon is starting`);
}

export interface SocketListener {
  server: Server;
  path: string;
  close(): Promise<void>;
}

export class AlreadyRunning extends Error {}

/** Listens on a Unix socket (0600 in a 0700 folder), replacing a stale socket file, refusing a live one. */
export async function listenSocket(path: string, onConnection: (s: Socket) => void): Promise<SocketListener> {
  await ensurePrivateDir(dirname(path));
  const release = await acquireLock(join(dirname(path), `${basenameOf(path)}.lock`));
  try {
    const state = await probeSocket(path);
    if (state === 'live') throw new AlreadyRunning(`a daemon is already serving ${path}`);
    if (state === 'stale') await unlink(path).catch(() => undefined);
    const server = createServer({ allowHalfOpen: false }, onConnection);
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    await chmod(path, 0o600);
    const ino = (await lstat(path)).ino;
    let closed = false;
    return {
      server,
      path,
      close: async () => {
        if (closed) return;
        closed = true;
        // Stop accepting now; connected clients keep being served until they leave.
        server.close();
        // Only remove the socket if it is still ours (a successor may have bound the path).
        const st = await lstat(path).catch(() => undefined);
        if (st && st.ino === ino) await unlink(path).catch(() => undefined);
      },
    };
  } finally {
    await release();
  }
}

function basenameOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
