// W4L: W4 on loopback, no proxy: push of a large file (new content), push of the same file again
// (its blob already in the repository: only hashing and a HEAD), and pull, through the shim vs
// `oras`, on CNCF distribution at 127.0.0.1, plain HTTP. Here nothing bounds either tool but its
// own cost (read, hash, copy, write). orasd: a fresh daemon per repetition, so its VmHWM is the
// peak RSS of that repetition's transfers; CPU time per process from /proc.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cpuTable, type BenchContext, type Phase, type ToolName } from '../context';
import { runOk, type Ran } from '../proc';
import { ratio } from '../report';
import { fmtMs, median } from '../stats';
import { makeFile } from './w4';

type OpName = 'push' | 'push again' | 'pull';
const OPS: OpName[] = ['push', 'push again', 'pull'];

interface Op {
  phase: Phase<Ran>;
  /** Peak RSS of the process that did the work (the daemon, or oras), bytes. */
  rss: number;
}

export async function w4l(ctx: BenchContext): Promise<void> {
  const { distribution: host } = await ctx.loopback();
  const mib = ctx.opts.w4lMiB;
  const bytes = mib * 1024 * 1024;
  const dir = path.join(ctx.work, 'w4l');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'big.bin');
  ctx.log(`W4L writing a ${mib} MiB file`);
  await makeFile(file, bytes);
  const ops: Record<OpName, Record<ToolName, Op[]>> = { push: { orasd: [], oras: [] }, 'push again': { orasd: [], oras: [] }, pull: { orasd: [], oras: [] } };
  const plain = ['--plain-http'];
  for (let rep = 0; rep < ctx.opts.w4lReps; rep++) {
    const order: ToolName[] = rep % 2 === 0 ? ['orasd', 'oras'] : ['oras', 'orasd'];
    for (const tool of order) {
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, randomBytes(64), 0, 64, 0);
      fs.closeSync(fd);
      const repo = `${host}/${ctx.unique(`bench/w4l-${tool}`)}`;
      const out = path.join(dir, `out-${tool}-${rep}`);
      const d = tool === 'orasd' ? await ctx.freshDaemon() : undefined;
      try {
        for (const op of OPS) {
          const args =
            op === 'push' ? ['push', ...plain, `${repo}:v1`, 'big.bin'] : op === 'push again' ? ['push', ...plain, `${repo}:v2`, 'big.bin'] : ['pull', ...plain, `${repo}:v1`, '-o', out];
          const label = `w4l-${tool}-${op.replace(' ', '-')}`;
          const p = d
            ? await ctx.phase(label, () => runOk(ctx.shim, args, { cwd: dir, env: ctx.envFor('orasd', d) }))
            : await ctx.phase(label, () => runOk(ctx.orasBin, args, { cwd: dir, env: ctx.envFor('oras'), sampleRssMs: 25 }));
          const rss = d ? d.peakRss() : (p.value.peakRssKb ?? NaN) * 1024;
          ops[op][tool].push({ phase: p, rss });
          const cpu = (d ? p.cpu.ms['orasd daemon'] : p.cpu.ms['tools (oras, launchers, Python, sh)']) ?? NaN;
          ctx.log(`W4L ${rep + 1}/${ctx.opts.w4lReps} ${tool} ${op}: ${fmtMs(p.ms)} (${(mib / (p.ms / 1000)).toFixed(0)} MiB/s), ${tool === 'orasd' ? 'daemon' : 'oras'} CPU ${(cpu / 1000).toFixed(2)} s, peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
        }
      } finally {
        await d?.stop();
      }
      const pulled = path.join(out, 'big.bin');
      if (!fs.existsSync(pulled) || fs.statSync(pulled).size !== bytes) throw new Error(`${tool} pull did not produce ${pulled} of ${bytes} bytes`);
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  fs.rmSync(file, { force: true });

  const mibs = (list: Op[]) => mib / (median(list.map((o) => o.phase.ms)) / 1000);
  const peak = (list: Op[]) => Math.max(...list.map((o) => o.rss)) / 2 ** 20;
  const cpuOf = (tool: ToolName, list: Op[]) => median(list.map((o) => o.phase.cpu.ms[tool === 'orasd' ? 'orasd daemon' : 'tools (oras, launchers, Python, sh)'] ?? NaN)) / 1000;
  for (const op of OPS) {
    const d = mibs(ops[op].orasd);
    const o = mibs(ops[op].oras);
    const rss = peak(ops[op].orasd);
    ctx.report.add({
      id: op === 'push' ? 'W4L' : op === 'pull' ? 'W4Lp' : 'W4Lx',
      workload: `loopback ${op}${op === 'push again' ? ' (blob already there)' : ''} of a ${mib} MiB file, distribution on 127.0.0.1, no proxy`,
      orasd: `${d.toFixed(0)} MiB/s, daemon ${cpuOf('orasd', ops[op].orasd).toFixed(2)} CPU-s, peak RSS ${rss.toFixed(0)} MiB`,
      oras: `${o.toFixed(0)} MiB/s, ${cpuOf('oras', ops[op].oras).toFixed(2)} CPU-s, peak RSS ${peak(ops[op].oras).toFixed(0)} MiB`,
      ratio: ratio(d, o, true),
      target: '≥ 1.0× oras throughput; daemon RSS ≤ 120 MiB',
      verdict: d >= o && rss <= 120 ? 'met' : 'MISSED',
      note: `median of ${ctx.opts.w4lReps}; ${fmtMs(median(ops[op].orasd.map((x) => x.phase.ms)))} vs ${fmtMs(median(ops[op].oras.map((x) => x.phase.ms)))}`,
    });
  }
  const line = (tool: ToolName, op: OpName) => {
    const list = ops[op][tool];
    return `| ${tool} | ${op} | ${list.map((o) => (o.phase.ms / 1000).toFixed(2)).join(', ')} | ${mibs(list).toFixed(0)} | ${cpuOf(tool, list).toFixed(2)} | ${list.map((o) => (o.rss / 2 ** 20).toFixed(0)).join(', ')} |`;
  };
  ctx.report.section('W4L', 'W4L — large file on loopback (no proxy)').push(
    `One ${mib} MiB file of random bytes (page-cached), pushed to a new repository of CNCF distribution on 127.0.0.1 (plain HTTP, no auth), pushed again under another tag (the blob is there: the tool hashes the file and asks), and pulled into an empty folder; ${ctx.opts.w4lReps} runs per tool, tools alternating. orasd: the shim and a daemon started just before each repetition (its VmHWM is the peak RSS); oras: peak RSS sampled from /proc. "CPU-s": the daemon's CPU for orasd, the oras process's for oras (median).`,
    '',
    '| tool | op | runs (s) | MiB/s (median) | CPU-s | peak RSS (MiB) |',
    '|---|---|---|---|---|---|',
    ...OPS.flatMap((op) => [line('orasd', op), line('oras', op)]),
    '',
    ...cpuTable(OPS.flatMap((op) => (['orasd', 'oras'] as const).map((tool) => ({ label: `${tool} ${op}`, phases: ops[op][tool].map((o) => o.phase) })))),
  );
}
