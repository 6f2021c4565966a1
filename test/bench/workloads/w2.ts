// W2: N small pushes, each followed by a discover of what it pushed, at concurrency C:
//   - orasd: one Python process (the venv's orasd client), a thread pool of C sharing one Client;
//   - oras: `xargs -P C` running `oras push … && oras discover …` per item;
//   - (information) the same xargs line through the shim;
//   - (information) the Python run against a daemon offering HTTP/2 (ORASD_HTTP2=1), to decide
//     whether orasd should offer h2 by default (it does not: see README, Performance).
// Every item pushes its own file (new content per tool and run) to a new repository per run on
// registry A. Timed: the whole process, start to exit. The daemon is warm.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addTraffic, cpuTable, type BenchContext, type Phase } from '../context';
import { runOk } from '../proc';
import { ensureVenv, pythonClientDir } from '../../registries/python';
import { ratio } from '../report';
import { fmtMs, median } from '../stats';

const PY = `
import sys
from concurrent.futures import ThreadPoolExecutor
from orasd import Client
sock, reg, repo, n, conc, ca, cfg = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
client = Client.connect(socket_path=sock, autospawn=False)
def one(i):
    ref = f"{reg}/{repo}:t{i}"
    client.push(reference=ref, files=[{"path": f"f{i}.txt", "mediaType": "text/plain"}], ca_file=ca, registry_config=cfg)
    client.discover(reference=ref, ca_file=ca, registry_config=cfg)
with ThreadPoolExecutor(conc) as pool:
    list(pool.map(one, range(n)))
client.close()
`;

const XARGS = `#!/bin/sh
# usage: xargs.sh REGISTRY REPOSITORY N CONCURRENCY CA_FILE   (oras from PATH)
set -e
reg=$1 repo=$2 n=$3 conc=$4 ca=$5
seq 0 $((n - 1)) | xargs -P "$conc" -n 1 sh -c 'oras push --ca-file "$0" "$1/$2:t$3" "f$3.txt:text/plain" > /dev/null && oras discover --ca-file "$0" "$1/$2:t$3" > /dev/null' "$ca" "$reg" "$repo"
`;

type Variant = 'python' | 'python-h2' | 'xargs-oras' | 'xargs-shim';

export async function w2(ctx: BenchContext): Promise<void> {
  const n = ctx.opts.w2Items;
  const conc = ctx.opts.w2Concurrency;
  const dir = path.join(ctx.work, 'w2');
  fs.mkdirSync(dir, { recursive: true });
  const pyFile = path.join(dir, 'push_discover.py');
  fs.writeFileSync(pyFile, PY);
  const xargsFile = path.join(dir, 'xargs.sh');
  fs.writeFileSync(xargsFile, XARGS, { mode: 0o755 });
  const python = await ensureVenv(pythonClientDir());
  const variants: Variant[] = ['python', 'xargs-oras', ...(ctx.opts.w2ShimRow ? (['xargs-shim'] as const) : []), 'python-h2'];
  const runs: Record<Variant, Phase<unknown>[]> = { python: [], 'python-h2': [], 'xargs-oras': [], 'xargs-shim': [] };
  // Warmed like the main daemon (connections, token) by one unmeasured item before the runs.
  const h2 = await ctx.freshDaemon({ ORASD_HTTP2: '1' });
  {
    const cwd = path.join(dir, 'h2-warm');
    fs.mkdirSync(cwd);
    fs.writeFileSync(path.join(cwd, 'f0.txt'), 'warm\n');
    await runOk(python, [pyFile, h2.socketPath, ctx.reg.a, ctx.unique('bench/w2-h2-warm'), '1', '1', ctx.ca, ctx.reg.dockerConfig], { cwd, env: ctx.envFor('orasd', h2) });
  }
  for (let rep = 0; rep < ctx.opts.reps; rep++) {
    const order = rep % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const repo = ctx.unique(`bench/w2-${v}`);
      const cwd = path.join(dir, `${v}-${rep}`);
      fs.mkdirSync(cwd);
      for (let i = 0; i < n; i++) fs.writeFileSync(path.join(cwd, `f${i}.txt`), `w2 ${repo} ${i}\n`);
      ctx.log(`W2 rep ${rep + 1}/${ctx.opts.reps} ${v}: ${n} items at ${conc}`);
      const daemon = v === 'python-h2' ? h2 : ctx.daemon;
      const p =
        v === 'python' || v === 'python-h2'
          ? await ctx.phase(`w2-${v}`, () =>
              runOk(python, [pyFile, daemon.socketPath, ctx.reg.a, repo, String(n), String(conc), ctx.ca, ctx.reg.dockerConfig], { cwd, env: ctx.envFor('orasd', daemon) }),
            )
          : await ctx.phase(`w2-${v}`, () => runOk('sh', [xargsFile, ctx.reg.a, repo, String(n), String(conc), ctx.ca], { cwd, env: ctx.envFor(v === 'xargs-oras' ? 'oras' : 'orasd') }));
      runs[v].push(p);
      ctx.log(`  ${fmtMs(p.ms)}, ${p.traffic.requests} requests`);
    }
  }
  const med = (v: Variant) => median(runs[v].map((p) => p.ms));
  const py = med('python');
  const xo = med('xargs-oras');
  ctx.report.add({
    id: 'W2',
    workload: `${n} small pushes + discovers at concurrency ${conc}: Python client vs \`xargs -P${conc} oras\``,
    orasd: fmtMs(py),
    oras: fmtMs(xo),
    ratio: ratio(py, xo),
    target: '≥ 10× faster',
    verdict: xo / py >= 10 ? 'met' : 'MISSED',
    note: `median of ${ctx.opts.reps} runs; ${(n / (py / 1000)).toFixed(0)} vs ${(n / (xo / 1000)).toFixed(0)} items/s`,
  });
  if (ctx.opts.w2ShimRow) {
    const xs = med('xargs-shim');
    ctx.report.add({
      id: 'W2s',
      workload: `the same xargs line through the shim (information)`,
      orasd: fmtMs(xs),
      oras: fmtMs(xo),
      ratio: ratio(xs, xo),
      target: '(information)',
      verdict: 'info',
    });
  }
  const ph = med('python-h2');
  ctx.report.add({
    id: 'W2h',
    workload: 'the same Python run against a daemon offering HTTP/2 (`--http2`; information)',
    orasd: fmtMs(ph),
    oras: fmtMs(xo),
    ratio: ratio(ph, xo),
    target: '(information)',
    verdict: 'info',
    note: `HTTP/1.1 daemon ${fmtMs(py)}: h2 is ${ph < py ? 'faster' : 'not faster'} here`,
  });
  await h2.stop();
  const s = ctx.report.section('W2', 'W2 — concurrent pushes and discovers');
  s.push(
    `Registry A; ${n} items (a push of one small new file, then a discover of it) at concurrency ${conc}; ${ctx.opts.reps} runs per variant, alternating; the daemon was warm; a new repository per run. Timed: the process from start to exit (Python start-up and connect included).`,
    '',
    '| variant | runs (s) | median | items/s | requests / item | token fetches / item | new connections / item | connections by ALPN |',
    '|---|---|---|---|---|---|---|---|',
    ...variants.map((v) => {
      const t = addTraffic(runs[v].map((p) => p.traffic));
      const k = runs[v].length * n;
      const label = v === 'python' ? `Python client, ${conc} threads` : v === 'python-h2' ? `Python client, ${conc} threads, daemon with --http2` : v === 'xargs-oras' ? `xargs -P${conc} oras` : `xargs -P${conc} shim`;
      return `| ${label} | ${runs[v].map((p) => (p.ms / 1000).toFixed(1)).join(', ')} | ${fmtMs(med(v))} | ${(n / (med(v) / 1000)).toFixed(0)} | ${(t.requests / k).toFixed(1)} | ${(t.tokens / k).toFixed(2)} | ${(t.connections / k).toFixed(2)} | ${Object.entries(t.protocols).map(([a, c]) => `${a} ${c}`).join(', ')} |`;
    }),
    '',
    ...cpuTable(variants.map((v) => ({ label: v, phases: runs[v] }))),
  );
  const per = (v: Variant) => {
    const t = addTraffic(runs[v].map((p) => p.traffic));
    const k = runs[v].length * n;
    return { requests: t.requests / k, tokens: t.tokens / k, connections: t.connections / k, ms: med(v) / n };
  };
  const pd = per('python');
  const po = per('xargs-oras');
  ctx.report.addRequests({
    workload: 'W2',
    registry: 'A',
    op: `push + discover (per item, concurrency ${conc})`,
    oras: po,
    orasdWarm: pd,
    verdict: pd.requests < po.requests ? 'met' : 'MISSED',
  });
}
