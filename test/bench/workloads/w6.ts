// W6: HTTP requests per operation. The same sequence of oras commands (push, attach, discover,
// resolve, pull, tag, manifest fetch, copy, copy -r) runs on each registry:
//   - oras: a fresh process per command (it keeps nothing between commands);
//   - orasd cold: through the shim, with a daemon started just before each command;
//   - orasd warm: through the shim, on one daemon, after the same sequence ran once on it
//     (new artifacts and tags, same repositories).
// The proxy logs every request; the section lists them per operation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRequest, type BenchContext, type Traffic } from '../context';
import type { BenchDaemon } from '../daemon';
import { runOk } from '../proc';
import type { Counts } from '../report';

interface Op {
  name: string;
  args: (p: { src: string; dst: string; tag: string; out: string }) => string[];
}

function ops(ca: string): Op[] {
  const caArgs = ['--ca-file', ca];
  const cp = ['--from-ca-file', ca, '--to-ca-file', ca];
  return [
    { name: 'push', args: ({ src, tag }) => ['push', ...caArgs, `${src}:${tag}`, `artifact-${tag}.txt:text/plain`] },
    { name: 'attach', args: ({ src, tag }) => ['attach', ...caArgs, '--artifact-type', 'application/vnd.example.sbom', `${src}:${tag}`, `sbom-${tag}.json:application/json`] },
    { name: 'discover', args: ({ src, tag }) => ['discover', ...caArgs, `${src}:${tag}`] },
    { name: 'resolve', args: ({ src, tag }) => ['resolve', ...caArgs, `${src}:${tag}`] },
    { name: 'pull', args: ({ src, tag, out }) => ['pull', ...caArgs, `${src}:${tag}`, '-o', out] },
    { name: 'tag', args: ({ src, tag }) => ['tag', ...caArgs, `${src}:${tag}`, `${tag}-tagged`] },
    { name: 'manifest fetch', args: ({ src, tag }) => ['manifest', 'fetch', ...caArgs, `${src}:${tag}`] },
    { name: 'copy', args: ({ src, dst, tag }) => ['cp', ...cp, `${src}:${tag}`, `${dst}-copy:${tag}`] },
    { name: 'copy -r', args: ({ src, dst, tag }) => ['cp', '-r', ...cp, `${src}:${tag}`, `${dst}-copyr:${tag}`] },
  ];
}

const counts = (t: Traffic, ms: number): Counts => ({ requests: t.requests, tokens: t.tokens, connections: t.connections, ms });

export async function w6(ctx: BenchContext): Promise<void> {
  const dir = path.join(ctx.work, 'w6');
  fs.mkdirSync(dir, { recursive: true });
  const sequence = ops(ctx.ca);
  const registries = [
    { label: 'A (distribution, token)', host: ctx.reg.a, other: ctx.reg.b },
    { label: 'ref (referrers API)', host: ctx.reg.ref, other: ctx.reg.ref },
  ];
  const details = ctx.report.section('W6', 'W6 — request logs per operation');
  details.push('Each block: the requests one command made, in arrival order (`listener method path → status`), for oras, orasd cold and orasd warm.', '');
  let met = 0;
  let total = 0;
  const sums = { oras: 0, cold: 0, warm: 0 };
  const misses: string[] = [];

  for (const r of registries) {
    const repoBase = ctx.unique('bench/w6');
    const files = (tag: string) => {
      fs.writeFileSync(path.join(dir, `artifact-${tag}.txt`), `w6 artifact ${repoBase} ${tag}\n`);
      fs.writeFileSync(path.join(dir, `sbom-${tag}.json`), JSON.stringify({ sbom: tag, repo: repoBase }));
    };
    const runPass = async (tool: 'oras' | 'orasd', tag: string, repo: string, daemonFor: (op: Op) => Promise<{ d?: BenchDaemon; done: () => Promise<void> }>, record: boolean) => {
      files(tag);
      const out: Array<{ op: string; traffic: Traffic; ms: number }> = [];
      for (const op of sequence) {
        const args = op.args({ src: `${r.host}/${repo}`, dst: `${r.other}/${repo}`, tag, out: path.join(dir, `out-${tag}-${op.name.replace(/\W/g, '')}`) });
        const { d, done } = await daemonFor(op);
        const env = ctx.envFor(tool, d);
        const cmd = tool === 'oras' ? ctx.orasBin : ctx.shim;
        const p = await ctx.phase(`w6-${tool}-${op.name}`, () => runOk(cmd, args, { cwd: dir, env }), 100);
        await done();
        if (record) out.push({ op: op.name, traffic: p.traffic, ms: p.value.ms });
      }
      return out;
    };
    const repoOras = `${repoBase}-oras`;
    const repoOrasd = `${repoBase}-orasd`;
    ctx.log(`W6 ${r.label}: oras`);
    const oras = await runPass('oras', 'p1', repoOras, async () => ({ done: async () => undefined }), true);
    ctx.log(`W6 ${r.label}: orasd cold (a daemon per command)`);
    const cold = await runPass('orasd', 'p1', repoOrasd, async () => {
      const d = await ctx.freshDaemon();
      return { d, done: () => d.stop() };
    }, true);
    ctx.log(`W6 ${r.label}: orasd warm`);
    const wd = await ctx.freshDaemon();
    let warm;
    try {
      await runPass('orasd', 'p2', repoOrasd, async () => ({ d: wd, done: async () => undefined }), false);
      warm = await runPass('orasd', 'p3', repoOrasd, async () => ({ d: wd, done: async () => undefined }), true);
    } finally {
      await wd.stop();
    }
    for (let i = 0; i < sequence.length; i++) {
      const o = oras[i]!;
      const c = cold[i]!;
      const w = warm[i]!;
      const ok = c.traffic.requests <= o.traffic.requests && w.traffic.requests < o.traffic.requests;
      sums.oras += o.traffic.requests;
      sums.cold += c.traffic.requests;
      sums.warm += w.traffic.requests;
      total++;
      if (ok) met++;
      else misses.push(`${o.op} on ${r.label.split(' ')[0]}`);
      ctx.report.addRequests({
        workload: 'W6',
        registry: r.label,
        op: o.op,
        oras: counts(o.traffic, o.ms),
        orasdCold: counts(c.traffic, c.ms),
        orasdWarm: counts(w.traffic, w.ms),
        verdict: ok ? 'met' : 'MISSED',
      });
      details.push(
        `<details><summary><b>${o.op}</b> on ${r.label}: oras ${o.traffic.requests}, orasd cold ${c.traffic.requests}, warm ${w.traffic.requests}</summary>`,
        '',
        '```',
        `oras (${o.traffic.requests}):`,
        ...o.traffic.log.map((x) => `  ${describeRequest(x)}`),
        `orasd cold (${c.traffic.requests}):`,
        ...c.traffic.log.map((x) => `  ${describeRequest(x)}`),
        `orasd warm (${w.traffic.requests}):`,
        ...w.traffic.log.map((x) => `  ${describeRequest(x)}`),
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  ctx.report.add({
    id: 'W6',
    workload: 'HTTP requests per operation (9 commands × 2 registries; table below)',
    orasd: `${met} of ${total} ops: cold ≤ oras and warm < oras; all ${total}: ${sums.cold} requests cold, ${sums.warm} warm`,
    oras: `${sums.oras} requests`,
    ratio: `${(sums.oras / Math.max(1, sums.cold)).toFixed(2)}× cold, ${(sums.oras / Math.max(1, sums.warm)).toFixed(2)}× warm`,
    target: 'never more than oras; fewer when warm',
    verdict: met === total ? 'met' : 'MISSED',
    ...(misses.length ? { note: `missed: ${misses.join(', ')}` } : {}),
  });
}
