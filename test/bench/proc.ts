// Running the tools: timed child processes, optional peak-RSS sampling from /proc.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface Ran {
  code: number;
  ms: number;
  stdout: string;
  stderr: string;
  /** Highest VmHWM seen while it ran (kB), when sampled. */
  peakRssKb?: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Sample /proc/<pid>/status VmHWM every this many ms. */
  sampleRssMs?: number;
  timeoutMs?: number;
}

/** Peak resident set (VmHWM) and current RSS of a live process, kB. */
export function memoryOf(pid: number): { hwmKb: number; rssKb: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(s);
    const rss = /VmRSS:\s+(\d+) kB/.exec(s);
    if (!hwm || !rss) return undefined;
    return { hwmKb: Number(hwm[1]), rssKb: Number(rss[1]) };
  } catch {
    return undefined;
  }
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let peak = 0;
    let sampler: NodeJS.Timeout | undefined;
    if (opts.sampleRssMs && child.pid) {
      const pid = child.pid;
      sampler = setInterval(() => {
        const m = memoryOf(pid);
        if (m && m.hwmKb > peak) peak = m.hwmKb;
      }, opts.sampleRssMs);
    }
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('exit', () => {
      if (sampler) clearInterval(sampler);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      if (timer) clearTimeout(timer);
      resolve({
        code: code ?? 128,
        ms,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal ? `\n(killed by ${signal})` : ''),
        ...(opts.sampleRssMs ? { peakRssKb: peak } : {}),
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs and throws with the output when the exit code is not 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<Ran> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`);
  }
  return r;
}
