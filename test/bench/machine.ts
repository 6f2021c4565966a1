// The machine and the versions a run measured, for RESULTS.md.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuSnapshot } from './cpu';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  kernel: string;
  loadAtStart: string;
}

export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /model name\s*:\s*(.+)/.exec(info);
    if (m) cpu = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return {
    cpu,
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    loadAtStart: loadavg(),
  };
}

export function loadavg(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' / ');
}

/** The busiest other processes right now (ps), to say what shared the machine. */
export function busiestProcesses(exclude: Set<number>, n = 5): string[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,pcpu=,etimes=,comm='], { encoding: 'utf8' });
    return out
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => !exclude.has(Number(f[0])) && Number(f[1]) >= 5)
      .sort((a, b) => Number(b[1]) - Number(a[1]))
      .slice(0, n)
      .map((f) => `${f[3]} (pid ${f[0]}, ${f[1]}% CPU over its ${f[2]} s)`);
  } catch {
    return [];
  }
}

/** CPU time the whole machine spent busy between two samples, as a share of all cores. */
export function cpuSample(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function versions(repoRoot: string, oras: string, registry: string): Record<string, string> {
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (e) {
      return `unknown (${(e as Error).message.split('\n')[0]})`;
    }
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const orasV = /Version:\s*(\S+)/.exec(run(oras, ['version']))?.[1] ?? 'unknown';
  const goV = /Go version:\s*(\S+)/.exec(run(oras, ['version']))?.[1] ?? '';
  return {
    orasd: `${pkg.version} (git ${run('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'])}${run('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src', 'clients']) ? ', with uncommitted changes in src/ or clients/' : ''})`,
    node: process.version,
    oras: `${orasV} (${goV})`,
    distribution: run(registry, ['--version']).replace(/^\S+\s+/, ''),
    'go-containerregistry registry': 'v0.22.1 (test/registries/go, compliant referrers)',
    'token server': 'test/registries/go/cmd/tokenserver (ES256 JWT)',
    python: run('python3', ['--version']).replace('Python ', ''),
    'C compiler (launcher)': run('cc', ['--version']).split('\n')[0] ?? '',
  };
}

/** Share of all cores busy over the next `ms` milliseconds (0..1), and who used the CPU then. */
export async function busyShare(ms = 3000, exclude: Set<number> = new Set()): Promise<{ busy: number; top: string[] }> {
  const a = cpuSnapshot();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuSnapshot();
  const byComm = new Map<string, number>();
  for (const [pid, now] of b.byPid) {
    if (exclude.has(pid)) continue;
    const d = now.ticks - (a.byPid.get(pid)?.ticks ?? now.ticks);
    if (d > 0) byComm.set(now.comm, (byComm.get(now.comm) ?? 0) + d);
  }
  const seconds = ms / 1000;
  const top = [...byComm.entries()]
    .sort((x, y) => y[1] - x[1])
    .filter(([, t]) => (t * 10) / 1000 / seconds >= 0.05)
    .slice(0, 4)
    .map(([c, t]) => `${c} ${(((t * 10) / 1000 / seconds) * 100).toFixed(0)} %`);
  return { busy: (b.machineBusy - a.machineBusy) / Math.max(1, b.machineTotal - a.machineTotal), top };
}

/**
 * Waits until the machine is quiet (less than `below` busy over 3 s) or `maxS` seconds passed.
 * Returns the seconds waited, the last busy share and the processes busiest then (of one core).
 */
export async function waitQuiet(maxS: number, below: number, exclude: Set<number>): Promise<{ waitedS: number; busy: number; top: string[] }> {
  const t0 = Date.now();
  let s = await busyShare(3000, exclude);
  while (s.busy >= below && Date.now() - t0 < maxS * 1000) s = await busyShare(3000, exclude);
  return { waitedS: (Date.now() - t0) / 1000, ...s };
}
