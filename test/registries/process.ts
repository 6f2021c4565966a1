// Background servers for tests. Each runs under `guard` with a stdin pipe from
// this process, so it dies with us even when we are SIGKILLed; the handles are
// unref'd so a test file that forgets stop() still exits, and an 'exit' hook
// kills what is left and removes temp dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tools } from './tools';

const liveChildren = new Set<ChildProcess>();
/** ORASD_KEEP_TEMP=1 keeps registry dirs (config, logs, storage) for a post-mortem. */
const keepTemp = process.env.ORASD_KEEP_TEMP === '1';
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (!keepTemp) for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  });
}

export function makeTempDir(prefix: string): string {
  installExitHook();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

export function removeTempDir(dir: string): void {
  if (keepTemp) return void process.stderr.write(`[harness] kept ${dir}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export interface ServerProcess {
  child: ChildProcess;
  logFile: string;
  /** Resolves with the first stdout line when firstLine was requested. */
  firstLine: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /**
   * Once started, a server must not keep the test process alive (the exit hook
   * stops it); until then the handles stay referenced so awaiting it works.
   */
  unref(): void;
  stop(): Promise<void>;
}

export interface ServerSpawnOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Read stdout for the "listening host:port" line; otherwise stdout goes to the log. */
  firstLine?: boolean;
  /** guard removes this directory if we die without cleaning up (SIGKILL). */
  cleanupDir?: string;
}

export function startServer(tools: Tools, cmd: string, args: string[], opts: ServerSpawnOptions): ServerProcess {
  installExitHook();
  const logFd = fs.openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    const guardArgs = opts.cleanupDir && !keepTemp ? ['-cleanup', opts.cleanupDir] : [];
    child = spawn(tools.guard, [...guardArgs, '--', cmd, ...args], {
      stdio: ['pipe', opts.firstLine ? 'pipe' : logFd, logFd],
      env: opts.env ?? process.env,
    });
  } finally {
    fs.closeSync(logFd);
  }
  liveChildren.add(child);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      liveChildren.delete(child);
      resolve({ code, signal });
    });
    child.on('error', () => {
      done = true;
      liveChildren.delete(child);
      resolve({ code: null, signal: null });
    });
  });

  const firstLine = !opts.firstLine
    ? Promise.resolve('')
    : new Promise<string>((resolve, reject) => {
        let buf = '';
        let got = false;
        const log = fs.createWriteStream(opts.logFile, { flags: 'a' });
        child.stdout!.on('data', (chunk: Buffer) => {
          if (got) return void log.write(chunk);
          buf += chunk.toString('utf8');
          const nl = buf.indexOf('\n');
          if (nl < 0) return;
          got = true;
          log.write(buf.slice(nl + 1));
          resolve(buf.slice(0, nl).trim());
        });
        child.stdout!.on('end', () => log.end());
        void exited.then(({ code, signal }) => {
          if (!got) reject(new Error(`${path.basename(cmd)} exited (${signal ?? code}) before it was listening; log:\n${tailOf(opts.logFile)}`));
        });
      });

  return {
    child,
    logFile: opts.logFile,
    firstLine,
    exited,
    hasExited: () => done,
    unref() {
      child.unref();
      (child.stdin as unknown as Socket).unref();
      if (child.stdout) (child.stdout as unknown as Socket).unref();
    },
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tailOf(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Our Go servers print "listening 127.0.0.1:PORT" first. */
export function parseListening(line: string): string {
  const m = /^listening (\S+)$/.exec(line);
  if (!m) throw new Error(`unexpected first line from server: ${JSON.stringify(line)}`);
  return m[1];
}
