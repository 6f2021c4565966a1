import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrasdClient } from '../../clients/typescript/client';

export const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface TestDaemon {
  dir: string;
  socketPath: string;
  logFile: string;
  proc: ChildProcess;
  env: NodeJS.ProcessEnv;
  client(): Promise<OrasdClient>;
  /** A raw socket speaking newline-delimited JSON. */
  ndjson(): Promise<RawClient>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** The folder the daemon is started from (default: the test's). */
  cwd?: string;
  /** Its state folder, made 0700 if missing (default: a fresh one under the temporary folder). */
  dir?: string;
  /** Its open-file limit (soft and hard), set by the shell that starts it. */
  nofile?: number;
}

/** Starts a private daemon on a socket in a fresh 0700 folder, logging at debug level to a file. */
export async function startDaemon(opts: StartOptions = {}): Promise<TestDaemon> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'orasd-test-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socketPath = join(dir, 'orasd.sock');
  const logFile = join(dir, 'orasd.log');
  const env = { ...process.env, ORASD_SOCKET: socketPath, DOCKER_CONFIG: join(dir, 'docker'), ...opts.env };
  const argv = [MAIN, 'serve', '--socket', socketPath, '--log-file', logFile, '--log-level', 'debug', ...(opts.args ?? [])];
  // `exec` keeps the pid: the shell becomes the daemon.
  const [cmd, args] = opts.nofile ? ['/bin/sh', ['-c', `ulimit -n ${opts.nofile} && exec "$0" "$@"`, process.execPath, ...argv]] : [process.execPath, argv];
  const proc = spawn(cmd, args, {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const s = await connect(socketPath);
      s.destroy();
      break;
    } catch {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const clients: OrasdClient[] = [];
  return {
    dir,
    socketPath,
    logFile,
    proc,
    env,
    client: async () => {
      const c = await OrasdClient.connect({ socketPath, autoSpawn: false });
      clients.push(c);
      return c;
    },
    ndjson: async () => new RawClient(await connect(socketPath)),
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop: async () => {
      for (const c of clients) c.dispose();
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Newline-delimited JSON over a socket, as a shell or Python client would speak it. */
export class RawClient {
  private buf = '';
  private readonly waiting: ((m: Record<string, unknown>) => void)[] = [];
  readonly received: Record<string, unknown>[] = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (!line.trim()) continue;
        const m = JSON.parse(line) as Record<string, unknown>;
        const w = this.waiting.shift();
        if (w) w(m);
        else this.received.push(m);
      }
    });
  }
  send(raw: string | object): void {
    this.socket.write(typeof raw === 'string' ? raw : `${JSON.stringify(raw)}\n`);
  }
  next(timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no message within timeout')), timeoutMs);
      this.waiting.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }
  /** Sends a request and returns its response (notifications in between are kept in `received`). */
  async request(id: number | string, method: string, params: unknown): Promise<Record<string, unknown>> {
    this.send({ jsonrpc: '2.0', id, method, params });
    // Kept aside until the answer came: pushed straight back, next() would return them again at once.
    const others: Record<string, unknown>[] = [];
    try {
      for (;;) {
        const m = await this.next();
        if (m.id === id && !('method' in m)) return m;
        others.push(m);
      }
    } finally {
      this.received.unshift(...others);
    }
  }
  close(): void {
    this.socket.destroy();
  }
}

/** Stops whatever daemon answers on `socketPath` (none is fine): the after() of suites whose clients start one. */
export async function stopDaemonAt(socketPath: string | undefined, opts: { replaceOutdated?: boolean } = {}): Promise<void> {
  const c = await OrasdClient.connect({ socketPath, autoSpawn: false, ...opts }).catch(() => undefined);
  await c?.call('shutdown', {}).catch(() => undefined);
  c?.dispose();
}
