// W1: a shell loop of N × (push a small artifact, attach a signature to it, discover it), the same
// script for both tools; only PATH differs (clients/shell first, or the Go oras first). Each
// iteration writes new file contents, so every push uploads new blobs. State: the daemon is warm
// (running, has talked to the registry); each run uses a new repository on registry A.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addTraffic, cpuTable, type BenchContext, type Phase, type ToolName } from '../context';
import { runOk } from '../proc';
import { ratio } from '../report';
import { fmtMs, median } from '../stats';

export const W1_SCRIPT = `#!/bin/sh
# usage: loop.sh REGISTRY REPOSITORY N CA_FILE
set -e
reg=$1 repo=$2 n=$3 ca=$4
i=0
while [ "$i" -lt "$n" ]; do
  i=$((i + 1))
  printf 'artifact %s %s\\n' "$repo" "$i" > artifact.txt
  printf 'signature %s %s\\n' "$repo" "$i" > signature.sig
  oras push --ca-file "$ca" "$reg/$repo:v$i" artifact.txt:text/plain > /dev/null
  oras attach --ca-file "$ca" --artifact-type application/vnd.example.signature "$reg/$repo:v$i" signature.sig > /dev/null
  oras discover --ca-file "$ca" "$reg/$repo:v$i" > /dev/null
done
`;

export async function w1(ctx: BenchContext): Promise<void> {
  const n = ctx.opts.w1Iterations;
  const dir = path.join(ctx.work, 'w1');
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, 'loop.sh');
  fs.writeFileSync(script, W1_SCRIPT, { mode: 0o755 });
  const runs: Record<ToolName, Phase<unknown>[]> = { orasd: [], oras: [] };
  for (let rep = 0; rep < ctx.opts.reps; rep++) {
    const order: ToolName[] = rep % 2 === 0 ? ['orasd', 'oras'] : ['oras', 'orasd'];
    for (const tool of order) {
      const repo = ctx.unique(`bench/w1-${tool}`);
      const cwd = path.join(dir, `${tool}-${rep}`);
      fs.mkdirSync(cwd);
      ctx.log(`W1 rep ${rep + 1}/${ctx.opts.reps} ${tool}: ${n} iterations`);
      const p = await ctx.phase(`w1-${tool}`, () => runOk('sh', [script, ctx.reg.a, repo, String(n), ctx.ca], { cwd, env: ctx.envFor(tool) }));
      runs[tool].push(p);
      ctx.log(`  ${fmtMs(p.ms)}, ${p.traffic.requests} requests`);
    }
  }
  const med = (t: ToolName) => median(runs[t].map((p) => p.ms));
  const d = med('orasd');
  const o = med('oras');
  const r = o / d;
  ctx.report.add({
    id: 'W1',
    workload: `shell loop: ${n} × (push small artifact, attach signature, discover), through the shim vs \`oras\``,
    orasd: fmtMs(d),
    oras: fmtMs(o),
    ratio: ratio(d, o),
    target: '≥ 3× faster',
    verdict: r >= 3 ? 'met' : 'MISSED',
    note: `median of ${ctx.opts.reps} runs; per iteration ${fmtMs(d / n)} vs ${fmtMs(o / n)}`,
  });
  const per = (t: ToolName) => {
    const tr = addTraffic(runs[t].map((p) => p.traffic));
    const k = runs[t].length * n;
    return { requests: tr.requests / k, tokens: tr.tokens / k, connections: tr.connections / k, proto: tr.protocols };
  };
  const s = ctx.report.section('W1', 'W1 — shell loop (push, attach, discover)');
  const pd = per('orasd');
  const po = per('oras');
  s.push(
    `Registry A (distribution, token auth, no referrers API: attach updates the \`sha256-<digest>\` fallback index). ${n} iterations per run, ${ctx.opts.reps} runs per tool, alternating; a new repository per run; the daemon was warm.`,
    '',
    '| tool | runs (s) | median | per iteration | requests / iteration | token fetches / iteration | new connections / iteration |',
    '|---|---|---|---|---|---|---|',
    `| orasd (shim) | ${runs.orasd.map((p) => (p.ms / 1000).toFixed(1)).join(', ')} | ${fmtMs(d)} | ${fmtMs(d / n)} | ${pd.requests.toFixed(1)} | ${pd.tokens.toFixed(2)} | ${pd.connections.toFixed(2)} |`,
    `| oras | ${runs.oras.map((p) => (p.ms / 1000).toFixed(1)).join(', ')} | ${fmtMs(o)} | ${fmtMs(o / n)} | ${po.requests.toFixed(1)} | ${po.tokens.toFixed(2)} | ${po.connections.toFixed(2)} |`,
    '',
    ...cpuTable([
      { label: 'orasd (shim)', phases: runs.orasd },
      { label: 'oras', phases: runs.oras },
    ]),
  );
  ctx.report.addRequests({
    workload: 'W1',
    registry: 'A',
    op: 'push + attach + discover (per iteration)',
    oras: { requests: po.requests, tokens: po.tokens, connections: po.connections, ms: o / n },
    orasdWarm: { requests: pd.requests, tokens: pd.tokens, connections: pd.connections, ms: d / n },
    verdict: pd.requests <= po.requests ? (pd.requests < po.requests ? 'met' : 'MISSED') : 'MISSED',
  });
}
