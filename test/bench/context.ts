// What every workload shares: options, registries behind the proxy, the tools' environments,
// the warm daemon, and phase() — the one way a workload times something and counts its requests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cpuBetween, cpuSnapshot, type CpuUse } from './cpu';
import type { ProxyConnection, ProxyRequest } from './delay-proxy';
import { startBenchDaemon, type BenchDaemon } from './daemon';
import type { BenchOptions } from './options';
import { startLoopbackRegistries, type LoopbackRegistries } from './loopback';
import type { BenchRegistries } from './registries';
import type { Report } from './report';

export type ToolName = 'orasd' | 'oras';

export interface Traffic {
  requests: number;
  /** Requests to the token server (token fetches). */
  tokens: number;
  /** New TLS connections (each one a TCP and a TLS handshake for the client). */
  connections: number;
  byListener: Record<string, number>;
  protocols: Record<string, number>;
  log: ProxyRequest[];
  conns: ProxyConnection[];
  proxyCpuMs: number;
}

export interface Phase<T> {
  value: T;
  ms: number;
  traffic: Traffic;
  cpu: CpuUse;
}

export interface BenchContext {
  opts: BenchOptions;
  reg: BenchRegistries;
  /** Scratch folder for this run (inside the registries' temp dir). */
  work: string;
  repoRoot: string;
  ca: string;
  /** clients/shell/oras */
  shim: string;
  /** The Go oras binary. */
  orasBin: string;
  /** Folders that hold an `oras` to put first on PATH, per tool. */
  pathDir: Record<ToolName, string>;
  /** The warm daemon the launchers and clients use unless a workload starts its own. */
  daemon: BenchDaemon;
  report: Report;
  /** Environment of a tool's process: DOCKER_CONFIG, PATH with its oras first, the daemon's socket. */
  envFor(tool: ToolName, daemon?: BenchDaemon): NodeJS.ProcessEnv;
  /** A new daemon; `env` adds to its environment (e.g. ORASD_HTTP2=1). */
  freshDaemon(env?: NodeJS.ProcessEnv): Promise<BenchDaemon>;
  phase<T>(label: string, fn: () => Promise<T>, quietMs?: number): Promise<Phase<T>>;
  /** distribution and olareg on 127.0.0.1, plain HTTP, no proxy (started on first use). */
  loopback(): Promise<LoopbackRegistries>;
  /** Stops what loopback() started. */
  stopLoopback(): Promise<void>;
  /** A unique, short, registry-safe name. */
  unique(prefix: string): string;
  log(msg: string): void;
}

export function makeContext(opts: BenchOptions, reg: BenchRegistries, repoRoot: string, report: Report): Omit<BenchContext, 'daemon'> & { startMainDaemon(): Promise<BenchDaemon> } {
  const work = path.join(reg.dir, 'work');
  fs.mkdirSync(work, { recursive: true });
  const goDir = path.join(work, 'go-oras');
  fs.mkdirSync(goDir, { recursive: true });
  fs.symlinkSync(reg.tools.oras, path.join(goDir, 'oras'));
  const shimDir = path.join(repoRoot, 'clients', 'shell');
  let n = 0;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: reg.dockerConfigDir, NO_COLOR: '1' };
  delete baseEnv.ORASD_NO_DAEMON;
  delete baseEnv.ORASD_LAUNCHER;
  let mainDaemon: BenchDaemon | undefined;
  let loopback: Promise<LoopbackRegistries> | undefined;
  const daemonPids = new Set<number>();
  const track = (d: BenchDaemon) => {
    daemonPids.add(d.pid);
    return d;
  };
  const ctx = {
    opts,
    reg,
    work,
    repoRoot,
    ca: reg.tls.caFile,
    shim: path.join(shimDir, 'oras'),
    orasBin: reg.tools.oras,
    pathDir: { orasd: shimDir, oras: goDir },
    report,
    envFor(tool: ToolName, daemon?: BenchDaemon): NodeJS.ProcessEnv {
      const d = daemon ?? mainDaemon;
      return {
        ...baseEnv,
        PATH: `${ctx.pathDir[tool]}${path.delimiter}${process.env.PATH ?? ''}`,
        ...(d ? { ORASD_SOCKET: d.socketPath } : {}),
      };
    },
    freshDaemon: async (env?: NodeJS.ProcessEnv) => track(await startBenchDaemon(path.join(work, 'daemons'), { ...baseEnv, ...env })),
    async startMainDaemon(): Promise<BenchDaemon> {
      mainDaemon = track(await startBenchDaemon(path.join(work, 'daemons'), baseEnv));
      return mainDaemon;
    },
    async phase<T>(label: string, fn: () => Promise<T>, quietMs = 30): Promise<Phase<T>> {
      await reg.proxy.take(quietMs); // whatever came before is not ours
      await reg.proxy.label(label);
      const c0 = cpuSnapshot();
      const t0 = performance.now();
      const value = await fn();
      const ms = performance.now() - t0;
      const c1 = cpuSnapshot();
      const taken = await reg.proxy.take(quietMs);
      await reg.proxy.label('idle');
      const pids: Record<string, number> = { 'delay proxy': reg.proxy.pid };
      // Daemons share one label; a pid maps to one name, so give each its own key then merge.
      for (const p of daemonPids) pids[`orasd daemon#${p}`] = p;
      const raw = cpuBetween(c0, c1, pids);
      const merged: Record<string, number> = {};
      for (const [k, v] of Object.entries(raw.ms)) {
        const key = k.startsWith('orasd daemon#') ? 'orasd daemon' : k;
        merged[key] = (merged[key] ?? 0) + v;
      }
      return { value, ms, traffic: summarize(taken.requests, taken.connections, taken.cpuMs), cpu: { ms: merged, machineShare: raw.machineShare } };
    },
    loopback(): Promise<LoopbackRegistries> {
      loopback ??= startLoopbackRegistries();
      return loopback;
    },
    async stopLoopback(): Promise<void> {
      const l = loopback;
      loopback = undefined;
      await (await l?.catch(() => undefined))?.stop();
    },
    unique(prefix: string): string {
      return `${prefix}-${Date.now().toString(36)}${(n++).toString(36)}`;
    },
    log(msg: string): void {
      process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
    },
  };
  return ctx;
}

export function summarize(log: ProxyRequest[], conns: ProxyConnection[], proxyCpuMs: number): Traffic {
  const byListener: Record<string, number> = {};
  const protocols: Record<string, number> = {};
  for (const r of log) byListener[r.listener] = (byListener[r.listener] ?? 0) + 1;
  for (const c of conns) protocols[c.alpn] = (protocols[c.alpn] ?? 0) + 1;
  return {
    requests: log.length,
    tokens: byListener.token ?? 0,
    connections: conns.length,
    byListener,
    protocols,
    log,
    conns,
    proxyCpuMs,
  };
}

/** Adds up the traffic of several phases. */
export function addTraffic(ts: Traffic[]): Traffic {
  return summarize(ts.flatMap((t) => t.log), ts.flatMap((t) => t.conns), ts.reduce((a, t) => a + t.proxyCpuMs, 0));
}

/** A request as a line of a request log, with digests, upload ids and long queries shortened. */
export function describeRequest(r: ProxyRequest): string {
  let p = r.path
    .replace(/sha256:[0-9a-f]{64}/g, (m) => `sha256:${m.slice(7, 15)}…`)
    .replace(/sha256-[0-9a-f]{64}/g, (m) => `sha256-${m.slice(7, 15)}…`)
    .replace(/\/uploads\/[0-9a-f-]{20,}(\?[^ ]*)?/, '/uploads/<id>?…');
  if (r.listener === 'token') p = decodeURIComponent(p.replace(/service=[^&]*&?/, '')).replace(/[?&]$/, '');
  return `${r.listener.padEnd(5)} ${r.method.padEnd(5)} ${p} → ${r.status}`;
}

const CPU_COLUMNS = ['orasd daemon', 'tools (oras, launchers, Python, sh)', 'delay proxy', 'registries + token server', 'bench runner', 'kernel irq/softirq + steal', 'other'];

/** Markdown rows: mean CPU seconds per run of each component, and how busy the machine was. */
export function cpuTable(entries: Array<{ label: string; phases: Phase<unknown>[] }>): string[] {
  const out = [
    '| CPU per run (s) | wall | orasd daemon | tools (oras, launchers, Python, sh) | delay proxy | registries + token server | bench runner | kernel irq/softirq + steal | other processes | machine busy |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { label, phases } of entries) {
    if (!phases.length) continue;
    const n = phases.length;
    const avg = (k: string) => phases.reduce((a, p) => a + (p.cpu.ms[k] ?? 0), 0) / n / 1000;
    const wall = phases.reduce((a, p) => a + p.ms, 0) / n / 1000;
    const share = phases.reduce((a, p) => a + p.cpu.machineShare, 0) / n;
    out.push(`| ${label} | ${wall.toFixed(2)} | ${CPU_COLUMNS.map((k) => avg(k).toFixed(2)).join(' | ')} | ${(share * 100).toFixed(0)} % |`);
  }
  return out;
}
