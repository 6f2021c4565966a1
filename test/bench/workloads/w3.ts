// W3: `copy -r` of a supply-chain graph of N artifacts (a root and referrers of referrers, fan-out
// 6, breadth first) from registry A to registry B, vs `oras cp -r`. Both through the same
// command line (the shim for orasd). State: orasd cold — a daemon started just before each copy
// (no connections, tokens or cached manifests); the graph was built beforehand through another
// daemon. Then, for information, the same daemon copies the graph again to a new repository
// (warm: source manifests cached). Each destination is checked to hold the whole graph.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cpuTable, type BenchContext, type Phase, type ToolName } from '../context';
import type { BenchDaemon } from '../daemon';
import { runOk } from '../proc';
import { ratio } from '../report';
import { fmtMs, median } from '../stats';

const FANOUT = 6;

interface Node {
  digest: string;
  referrers: Node[];
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

/** Builds the graph on registry A through the given daemon; returns the root reference. */
async function buildGraph(ctx: BenchContext, d: BenchDaemon, total: number, dir: string): Promise<string> {
  const repo = ctx.unique('bench/w3-src');
  const target = { caFile: ctx.ca, registryConfig: ctx.reg.dockerConfig, cwd: dir };
  fs.writeFileSync(path.join(dir, 'root.txt'), `w3 root ${repo}\n`);
  const root = await d.call<{ digest: string }>('push', { ...target, reference: `${ctx.reg.a}/${repo}:v1`, files: [{ path: 'root.txt' }], artifactType: 'application/vnd.example.app' });
  const types = ['sbom', 'signature', 'provenance', 'vuln-scan', 'license', 'attestation'];
  let made = 1;
  let level = [root.digest];
  while (made < total) {
    const jobs: Array<{ subject: string; k: number }> = [];
    for (const subject of level) for (let k = 0; k < FANOUT && made + jobs.length < total; k++) jobs.push({ subject, k });
    const next: string[] = [];
    await pool(jobs, 8, async ({ subject, k }) => {
      const name = `ref-${subject.slice(7, 19)}-${k}.json`;
      fs.writeFileSync(path.join(dir, name), JSON.stringify({ subject, k, repo }));
      const r = await d.call<{ digest: string }>('attach', {
        ...target,
        reference: `${ctx.reg.a}/${repo}@${subject}`,
        files: [{ path: name, mediaType: 'application/json' }],
        artifactType: `application/vnd.example.${types[k % types.length]}`,
      });
      next.push(r.digest);
    });
    made += jobs.length;
    level = next;
  }
  return `${ctx.reg.a}/${repo}:v1`;
}

function countNodes(n: Node): number {
  return 1 + n.referrers.reduce((a, r) => a + countNodes(r), 0);
}

export async function w3(ctx: BenchContext): Promise<void> {
  const total = ctx.opts.w3Artifacts;
  const dir = path.join(ctx.work, 'w3');
  fs.mkdirSync(dir, { recursive: true });
  ctx.log(`W3 building a graph of ${total} artifacts on A`);
  const builder = await ctx.freshDaemon();
  let src: string;
  try {
    src = await buildGraph(ctx, builder, total, dir);
  } finally {
    await builder.stop();
  }
  const check = async (ref: string) => {
    const g = await ctx.daemon.call<Node>('discover', { reference: ref, caFile: ctx.ca, registryConfig: ctx.reg.dockerConfig, noCache: true });
    const n = countNodes(g);
    if (n !== total) throw new Error(`${ref} holds ${n} of the ${total} artifacts after the copy`);
  };
  await check(src);
  const cpArgs = (dst: string) => ['cp', '-r', '--from-ca-file', ctx.ca, '--to-ca-file', ctx.ca, src, dst];
  const runs: Record<ToolName, Phase<unknown>[]> = { orasd: [], oras: [] };
  const warmRuns: Phase<unknown>[] = [];
  for (let rep = 0; rep < ctx.opts.reps; rep++) {
    const order: ToolName[] = rep % 2 === 0 ? ['orasd', 'oras'] : ['oras', 'orasd'];
    for (const tool of order) {
      const dst = `${ctx.reg.b}/${ctx.unique(`bench/w3-${tool}`)}:v1`;
      ctx.log(`W3 rep ${rep + 1}/${ctx.opts.reps} ${tool}: cp -r ${total} artifacts A → B`);
      if (tool === 'oras') {
        const p = await ctx.phase('w3-oras', () => runOk(ctx.orasBin, cpArgs(dst), { cwd: dir, env: ctx.envFor('oras') }));
        runs.oras.push(p);
        ctx.log(`  ${fmtMs(p.ms)}, ${p.traffic.requests} requests`);
      } else {
        const d = await ctx.freshDaemon();
        try {
          const p = await ctx.phase('w3-orasd', () => runOk(ctx.shim, cpArgs(dst), { cwd: dir, env: ctx.envFor('orasd', d) }));
          runs.orasd.push(p);
          ctx.log(`  ${fmtMs(p.ms)}, ${p.traffic.requests} requests`);
          const dst2 = `${ctx.reg.b}/${ctx.unique('bench/w3-orasd-warm')}:v1`;
          const w = await ctx.phase('w3-orasd-warm', () => runOk(ctx.shim, cpArgs(dst2), { cwd: dir, env: ctx.envFor('orasd', d) }));
          warmRuns.push(w);
          ctx.log(`  warm again: ${fmtMs(w.ms)}, ${w.traffic.requests} requests`);
          await check(dst2);
        } finally {
          await d.stop();
        }
      }
      await check(dst);
    }
  }
  const d = median(runs.orasd.map((p) => p.ms));
  const o = median(runs.oras.map((p) => p.ms));
  const w = median(warmRuns.map((p) => p.ms));
  ctx.report.add({
    id: 'W3',
    workload: `\`copy -r\` of a graph of ${total} artifacts A → B (cold daemon) vs \`oras cp -r\``,
    orasd: fmtMs(d),
    oras: fmtMs(o),
    ratio: ratio(d, o),
    target: '≥ 2× faster',
    verdict: o / d >= 2 ? 'met' : 'MISSED',
    note: `median of ${ctx.opts.reps} runs`,
  });
  ctx.report.add({
    id: 'W3w',
    workload: 'the same copy again from the same daemon, to a new repository (warm; information)',
    orasd: fmtMs(w),
    oras: fmtMs(o),
    ratio: ratio(w, o),
    target: '(information)',
    verdict: 'info',
  });
  const req = (ps: Phase<unknown>[]) => median(ps.map((p) => p.traffic.requests));
  const tok = (ps: Phase<unknown>[]) => median(ps.map((p) => p.traffic.tokens));
  const conn = (ps: Phase<unknown>[]) => median(ps.map((p) => p.traffic.connections));
  const by = (ps: Phase<unknown>[], l: string) => median(ps.map((p) => p.traffic.byListener[l] ?? 0));
  const rate = (ps: Phase<unknown>[]) => median(ps.map((p) => p.traffic.requests / (p.ms / 1000))).toFixed(0);
  const inFlight = (ps: Phase<unknown>[]) => (median(ps.map((p) => p.traffic.requests / (p.ms / 1000))) * (ctx.opts.rttMs / 1000)).toFixed(1);
  ctx.report.section('W3', 'W3 — copy -r of a graph').push(
    `A graph of ${total} artifacts (a root, fan-out ${FANOUT}, breadth first: ${total} manifests with one small layer each plus the shared empty config, and the fallback referrers indexes on A) copied from A to a new repository on B, whole graph checked after each copy. Default concurrency of each tool.`,
    '',
    '| tool | runs (s) | median | requests (A / B / token) | token fetches | new connections |',
    '|---|---|---|---|---|---|',
    `| orasd, cold daemon | ${runs.orasd.map((p) => (p.ms / 1000).toFixed(1)).join(', ')} | ${fmtMs(d)} | ${req(runs.orasd)} (${by(runs.orasd, 'a')} / ${by(runs.orasd, 'b')} / ${by(runs.orasd, 'token')}) | ${tok(runs.orasd)} | ${conn(runs.orasd)} |`,
    `| orasd, same daemon again | ${warmRuns.map((p) => (p.ms / 1000).toFixed(1)).join(', ')} | ${fmtMs(w)} | ${req(warmRuns)} (${by(warmRuns, 'a')} / ${by(warmRuns, 'b')} / ${by(warmRuns, 'token')}) | ${tok(warmRuns)} | ${conn(warmRuns)} |`,
    `| oras | ${runs.oras.map((p) => (p.ms / 1000).toFixed(1)).join(', ')} | ${fmtMs(o)} | ${req(runs.oras)} (${by(runs.oras, 'a')} / ${by(runs.oras, 'b')} / ${by(runs.oras, 'token')}) | ${tok(runs.oras)} | ${conn(runs.oras)} |`,
    '',
    `Requests per second (median): orasd cold ${rate(runs.orasd)}, orasd warm ${rate(warmRuns)}, oras ${rate(runs.oras)}; at ${ctx.opts.rttMs} ms per round trip that is about ${inFlight(runs.orasd)}, ${inFlight(warmRuns)} and ${inFlight(runs.oras)} requests in flight on average (the parallelism each tool gets out of its concurrency setting).`,
    '',
    ...cpuTable([
      { label: 'orasd, cold daemon', phases: runs.orasd },
      { label: 'orasd, same daemon again', phases: warmRuns },
      { label: 'oras', phases: runs.oras },
    ]),
  );
  ctx.report.addRequests({
    workload: 'W3',
    registry: 'A → B',
    op: `copy -r, ${total} artifacts (whole copy)`,
    oras: { requests: req(runs.oras), tokens: tok(runs.oras), connections: conn(runs.oras), ms: o },
    orasdCold: { requests: req(runs.orasd), tokens: tok(runs.orasd), connections: conn(runs.orasd), ms: d },
    orasdWarm: { requests: req(warmRuns), tokens: tok(warmRuns), connections: conn(warmRuns), ms: w },
    verdict: req(runs.orasd) <= req(runs.oras) && req(warmRuns) < req(runs.oras) ? 'met' : 'MISSED',
  });
}
