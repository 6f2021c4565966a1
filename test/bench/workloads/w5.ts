// W5: `resolve` of a tag the warm daemon has just resolved, answered from its cache, over the
// socket: one newline-delimited JSON connection, calls one after another, each timed from write
// to parsed answer. Also by digest (manifest cache), from the Python client, and `oras resolve`
// (a process per call, always asking the registry) for comparison.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchContext } from '../context';
import { connect } from '../daemon';
import { runOk } from '../proc';
import { ensureVenv, pythonClientDir } from '../../registries/python';
import { ratio } from '../report';
import { fmtMs, median, quantile } from '../stats';

const PY = `
import json, sys, time
from orasd import Client
sock, ref, ca, cfg, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
c = Client.connect(socket_path=sock, autospawn=False)
for _ in range(1000):
    c.resolve(reference=ref, ca_file=ca, registry_config=cfg)
out = []
for _ in range(n):
    t0 = time.perf_counter()
    c.resolve(reference=ref, ca_file=ca, registry_config=cfg)
    out.append((time.perf_counter() - t0) * 1000)
c.close()
print(json.dumps(out))
`;

async function socketLoop(sock: string, params: Record<string, unknown>, n: number): Promise<number[]> {
  const s = await connect(sock);
  s.setNoDelay(true);
  let buf = '';
  let waiting: ((line: string) => void) | undefined;
  s.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiting;
      waiting = undefined;
      w?.(line);
    }
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const msg = `${JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'resolve', params })}\n`;
      const t0 = process.hrtime.bigint();
      const answer = await new Promise<string>((resolve) => {
        waiting = resolve;
        s.write(msg);
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const m = JSON.parse(answer) as { result?: { digest?: string }; error?: { message: string } };
      if (!m.result?.digest) throw new Error(`resolve failed: ${answer.slice(0, 300)}`);
    }
  } finally {
    s.destroy();
  }
  return times;
}

export async function w5(ctx: BenchContext): Promise<void> {
  const n = ctx.opts.w5Calls;
  const dir = path.join(ctx.work, 'w5');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.txt'), `w5 ${Date.now()}\n`);
  const repo = ctx.unique('bench/w5');
  const ref = `${ctx.reg.a}/${repo}:v1`;
  await runOk(ctx.shim, ['push', '--ca-file', ctx.ca, ref, 'a.txt'], { cwd: dir, env: ctx.envFor('orasd') });
  const base = { caFile: ctx.ca, registryConfig: ctx.reg.dockerConfig };
  await socketLoop(ctx.daemon.socketPath, { reference: ref, ...base }, 1000); // JIT warm-up
  const byTag = await ctx.phase('w5-tag', () => socketLoop(ctx.daemon.socketPath, { reference: ref, ...base }, n));
  const digest = (await runOk(ctx.shim, ['resolve', '--ca-file', ctx.ca, ref], { env: ctx.envFor('orasd') })).stdout.trim();
  const byDigest = await ctx.phase('w5-digest', () => socketLoop(ctx.daemon.socketPath, { reference: `${ctx.reg.a}/${repo}@${digest}`, ...base }, n));

  const python = await ensureVenv(pythonClientDir());
  const pyFile = path.join(dir, 'resolve.py');
  fs.writeFileSync(pyFile, PY);
  const py = await ctx.phase('w5-python', async () => {
    const r = await runOk(python, [pyFile, ctx.daemon.socketPath, ref, ctx.ca, ctx.reg.dockerConfig, String(n)], { env: ctx.envFor('orasd') });
    return JSON.parse(r.stdout) as number[];
  });

  const orasTimes: number[] = [];
  const orasPhase = await ctx.phase('w5-oras', async () => {
    for (let i = 0; i < ctx.opts.w5OrasRuns; i++) orasTimes.push((await runOk(ctx.orasBin, ['resolve', '--ca-file', ctx.ca, ref], { env: ctx.envFor('oras') })).ms);
  });

  const p50 = quantile(byTag.value, 0.5);
  const p99 = quantile(byTag.value, 0.99);
  const o50 = median(orasTimes);
  ctx.report.add({
    id: 'W5',
    workload: 'warm `resolve` (tag) answered from cache over the socket, p50 / p99',
    orasd: `${fmtMs(p50)} / ${fmtMs(p99)}`,
    oras: `${fmtMs(o50)} (\`oras resolve\`, p50)`,
    ratio: ratio(p50, o50),
    target: 'p50 ≤ 0.3 ms, p99 ≤ 2 ms',
    verdict: p50 <= 0.3 && p99 <= 2 ? 'met' : 'MISSED',
    note: `${n} calls; ${byTag.traffic.requests} registry requests during them (tag TTL refreshes)`,
  });
  const row = (label: string, v: number[], req: number) =>
    `| ${label} | ${v.length} | ${fmtMs(quantile(v, 0.5))} | ${fmtMs(quantile(v, 0.9))} | ${fmtMs(quantile(v, 0.99))} | ${fmtMs(Math.max(...v))} | ${req} |`;
  ctx.report.section('W5', 'W5 — warm resolve').push(
    'The warm daemon resolved the tag just before; calls go one after another on one connection (newline-delimited JSON from the bench process, or the Python client in the venv). Tags are cached for 5 s (tagTtlMs), so a long run refreshes the tag now and then: those calls pay a registry round trip and show in p99/max.',
    '',
    '| caller | calls | p50 | p90 | p99 | max | registry requests |',
    '|---|---|---|---|---|---|---|',
    row('socket, resolve by tag', byTag.value, byTag.traffic.requests),
    row('socket, resolve by digest', byDigest.value, byDigest.traffic.requests),
    row('Python client, resolve by tag', py.value, py.traffic.requests),
    row('`oras resolve` (a process per call)', orasTimes, orasPhase.traffic.requests),
  );
}
