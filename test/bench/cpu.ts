// CPU time per component during a phase, from /proc: the daemon and the proxy by pid, the
// registries and token server by command name, the tools (oras processes, launchers, Python,
// shells) as this process's reaped children, and the rest of the machine.
import * as fs from 'node:fs';
import * as os from 'node:os';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface CpuSnapshot {
  byPid: Map<number, { comm: string; ticks: number }>;
  selfChildren: number;
  machineBusy: number;
  machineTotal: number;
  /** Ticks the kernel spent in interrupts and softirqs (loopback networking shows here) and steal. */
  machineIrq: number;
  machineSteal: number;
}

function readStat(pid: number | 'self'): { comm: string; utime: number; stime: number; cutime: number; cstime: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    // fields after ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    return { comm, utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const byPid = new Map<number, { comm: string; ticks: number }>();
  if (os.platform() === 'linux') {
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      const st = readStat(Number(e));
      if (st) byPid.set(Number(e), { comm: st.comm, ticks: st.utime + st.stime });
    }
  }
  const self = readStat('self');
  let busy = 0;
  let total = 0;
  let irq = 0;
  let steal = 0;
  try {
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user too)
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    total = v.reduce((a, b) => a + b, 0);
    busy = total - (v[3] ?? 0) - (v[4] ?? 0);
    irq = (v[5] ?? 0) + (v[6] ?? 0);
    steal = v[7] ?? 0;
  } catch {
    /* not Linux */
  }
  return { byPid, selfChildren: self ? self.cutime + self.cstime : 0, machineBusy: busy, machineTotal: total, machineIrq: irq, machineSteal: steal };
}

export interface CpuUse {
  /** CPU ms per component. */
  ms: Record<string, number>;
  /** Wall-clock share of all cores that was busy, 0..1. */
  machineShare: number;
}

/**
 * Attributes the CPU between two snapshots. `pids` names processes to report on their own
 * (daemon, proxy); registries and the token server are found by command name; the tools this
 * process ran count once they exit (reaped children); "other" is the rest of the machine.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, pids: Record<string, number>): CpuUse {
  const ms: Record<string, number> = {};
  const add = (k: string, ticks: number) => (ms[k] = (ms[k] ?? 0) + ticks * TICK_MS);
  const named = new Map(Object.entries(pids).map(([k, p]) => [p, k]));
  let attributed = 0;
  for (const [pid, now] of b.byPid) {
    const before = a.byPid.get(pid)?.ticks ?? 0;
    const d = now.ticks - before;
    if (d <= 0) continue;
    const label = named.get(pid) ?? (['registry', 'tokenserver', 'refreg', 'olareg'].includes(now.comm) ? 'registries + token server' : undefined);
    if (label) {
      add(label, d);
      attributed += d;
    }
  }
  const tools = b.selfChildren - a.selfChildren;
  add('tools (oras, launchers, Python, sh)', tools);
  const machine = b.machineBusy - a.machineBusy;
  const runner = (b.byPid.get(process.pid)?.ticks ?? 0) - (a.byPid.get(process.pid)?.ticks ?? 0);
  const kernel = b.machineIrq - a.machineIrq + (b.machineSteal - a.machineSteal);
  add('bench runner', runner);
  add('kernel irq/softirq + steal', kernel);
  // Everything else the machine did: other processes (other users' work), exited ones we did not reap.
  add('other', Math.max(0, machine - attributed - tools - runner - kernel));
  return { ms, machineShare: b.machineTotal > a.machineTotal ? machine / (b.machineTotal - a.machineTotal) : 0 };
}
