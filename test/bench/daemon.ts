// An orasd daemon for the bench, started as the launchers start one (serve --socket PATH
// --idle-timeout 1800, default log level) but on a private socket, logging to a file.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import * as path from 'node:path';
import { memoryOf } from './proc';

/** The daemon to measure; BENCH_ORASD_MAIN points at another build's dist/src/main.js (to compare builds). */
export const MAIN_JS = process.env.BENCH_ORASD_MAIN ? path.resolve(process.env.BENCH_ORASD_MAIN) : path.join(__dirname, '..', '..', 'src', 'main.js');

export interface BenchDaemon {
  socketPath: string;
  pid: number;
  logFile: string;
  /** Environment for launchers and clients that must reach this daemon. */
  env: NodeJS.ProcessEnv;
  /** Peak RSS since the daemon started (VmHWM), bytes. */
  peakRss(): number;
  rss(): number;
  /** One JSON-RPC call over a fresh newline-delimited JSON connection. */
  call<T = unknown>(method: string, params: unknown): Promise<T>;
  stop(): Promise<void>;
}

let seq = 0;

export async function startBenchDaemon(baseDir: string, env: NodeJS.ProcessEnv, logLevel?: string): Promise<BenchDaemon> {
  const dir = path.join(baseDir, `daemon-${process.pid}-${++seq}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const socketPath = path.join(dir, 'orasd.sock');
  const logFile = path.join(dir, 'orasd.log');
  const denv = { ...env, ORASD_SOCKET: socketPath };
  // BENCH_DAEMON_NODE_ARGS: node flags for the daemon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, MAIN_JS, 'serve', '--socket', socketPath, '--idle-timeout', '1800', '--log-file', logFile];
  if (logLevel) args.push('--log-level', logLevel);
  const proc: ChildProcess = spawn(process.execPath, args, { env: denv, stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      (await connect(socketPath)).destroy();
      break;
    } catch {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`orasd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const pid = proc.pid!;
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const s = await connect(socketPath);
    try {
      return await rpc<T>(s, method, params);
    } finally {
      s.destroy();
    }
  };
  return {
    socketPath,
    pid,
    logFile,
    env: denv,
    peakRss: () => (memoryOf(pid)?.hwmKb ?? NaN) * 1024,
    rss: () => (memoryOf(pid)?.rssKb ?? NaN) * 1024,
    call,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function connect(p: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(p);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Sends one request on a newline-delimited JSON connection and waits for its answer. */
export function rpc<T>(s: Socket, method: string, params: unknown, id: number = 1): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const m = JSON.parse(line) as { id?: unknown; result?: T; error?: { message: string } };
        if (m.id !== id) continue;
        s.off('data', onData);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result as T);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
  });
}
