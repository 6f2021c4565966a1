// W7: every command of the walkthrough on loopback registries (olareg with the referrers API,
// CNCF distribution without), plain HTTP on 127.0.0.1, no proxy: `clients/shell/oras` against
// the warm daemon vs the Go `oras`, run by run interleaved (which tool goes first alternates),
// timed start to exit with spawnSync. Then the same operations as direct JSON-RPC calls on one
// open socket (p50/p99). Here the network costs next to nothing: what shows is each tool's own cost.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchContext, ToolName } from '../context';
import { ratio } from '../report';
import { RpcConnection } from '../rpc';
import { fmtMs, median, quantile } from '../stats';

interface Run {
  /** repository (host/name) of this tool on this registry */
  repo: string;
  i: number;
  out: string;
}

interface Cmd {
  name: string;
  args(r: Run): string[];
}

const PLAIN = ['--plain-http'];
const CP = ['--from-plain-http', '--to-plain-http'];

/** The walkthrough, in an order where each command finds what the earlier ones made. */
export const W7_COMMANDS: Cmd[] = [
  // The annotation keeps each run's manifest distinct: two pushes of a.txt in the same second
  // would otherwise be one manifest, and deleting one run's tag would delete the other's.
  { name: 'push', args: (r) => ['push', ...PLAIN, '-a', `run=${r.i}`, `${r.repo}:p${r.i}`, 'a.txt'] },
  { name: 'push (folder)', args: (r) => ['push', ...PLAIN, '-a', `run=${r.i}`, `${r.repo}:f${r.i}`, 'folder'] },
  { name: 'attach', args: (r) => ['attach', ...PLAIN, '--artifact-type', 'application/vnd.example.sbom', `${r.repo}:p${r.i}`, 'sbom.json:application/json'] },
  { name: 'discover', args: (r) => ['discover', ...PLAIN, '--format', 'json', `${r.repo}:graph`] },
  { name: 'discover -o tree', args: (r) => ['discover', ...PLAIN, '-o', 'tree', `${r.repo}:graph`] },
  { name: 'resolve', args: (r) => ['resolve', ...PLAIN, `${r.repo}:graph`] },
  { name: 'manifest fetch', args: (r) => ['manifest', 'fetch', ...PLAIN, `${r.repo}:graph`] },
  { name: 'pull', args: (r) => ['pull', ...PLAIN, `${r.repo}:graph`, '-o', r.out] },
  { name: 'tag', args: (r) => ['tag', ...PLAIN, `${r.repo}:p${r.i}`, `t${r.i}`] },
  { name: 'copy', args: (r) => ['cp', ...CP, `${r.repo}:p${r.i}`, `${r.repo}-copy:p${r.i}`] },
  { name: 'copy -r', args: (r) => ['cp', '-r', ...CP, `${r.repo}:graph`, `${r.repo}-cr${r.i}:v1`] },
  { name: 'repo tags', args: (r) => ['repo', 'tags', ...PLAIN, r.repo] },
  { name: 'manifest delete', args: (r) => ['manifest', 'delete', ...PLAIN, '--force', `${r.repo}:t${r.i}`] },
];

function writeInputs(dir: string): void {
  fs.mkdirSync(path.join(dir, 'folder', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.txt'), `w7 artifact ${Date.now()}\n`);
  fs.writeFileSync(path.join(dir, 'graph.txt'), `w7 graph ${Date.now()}\n`);
  fs.writeFileSync(path.join(dir, 'sbom.json'), JSON.stringify({ sbom: 'w7', at: Date.now() }));
  fs.writeFileSync(path.join(dir, 'sig.txt'), 'signature\n');
  for (const f of ['one.txt', 'two.txt', 'sub/three.txt']) fs.writeFileSync(path.join(dir, 'folder', f), `${f} ${Date.now()}\n`);
}

export async function w7(ctx: BenchContext): Promise<void> {
  const loop = await ctx.loopback();
  const dir = path.join(ctx.work, 'w7');
  fs.mkdirSync(dir, { recursive: true });
  writeInputs(dir);
  const runs = ctx.opts.w7Runs;
  const registries = [
    { label: 'olareg (referrers API)', host: loop.olareg },
    { label: 'distribution (tag schema)', host: loop.distribution },
  ];
  const envs: Record<ToolName, NodeJS.ProcessEnv> = { orasd: ctx.envFor('orasd'), oras: ctx.envFor('oras') };
  const bins: Record<ToolName, string> = { orasd: ctx.shim, oras: ctx.orasBin };
  const once = (tool: ToolName, args: string[]): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(bins[tool], args, { cwd: dir, env: envs[tool], stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(-2000)}`);
    return ms;
  };

  const section = ctx.report.section('W7', 'W7 — every command on loopback (no proxy)');
  section.push(
    `Each command ${runs} times per tool on each registry, plain HTTP on 127.0.0.1, no proxy and no auth; tools interleaved run by run (which goes first alternates), timed start to exit (spawnSync from the bench). orasd: \`clients/shell/oras\` → the warm daemon; oras: the Go binary. Each tool has its own repositories with the same content; per run: push a new tag, push a folder, attach to that push, discover/resolve/fetch/pull a fixed graph (a file, an SBOM and its signature), tag, copy to another repository, copy -r the graph to a new repository, list tags, delete the tag.`,
    '',
    '| registry | command | orasd p50 | orasd p90 | oras p50 | oras p90 | ratio (p50) |',
    '|---|---|---|---|---|---|---|',
  );
  const missed: string[] = [];
  let worst = Infinity;
  let worstName = '';
  for (const reg of registries) {
    const repos: Record<ToolName, string> = { orasd: `${reg.host}/${ctx.unique('bench/w7-orasd')}`, oras: `${reg.host}/${ctx.unique('bench/w7-oras')}` };
    // The fixed graph, made by the Go oras for both tools (same shape; not timed).
    for (const tool of ['orasd', 'oras'] as const) {
      const repo = repos[tool];
      once('oras', ['push', ...PLAIN, `${repo}:graph`, 'graph.txt']);
      const sbom = spawnSync(ctx.orasBin, ['attach', ...PLAIN, '--artifact-type', 'application/vnd.example.sbom', '--format', 'go-template', '--template', '{{.digest}}', `${repo}:graph`, 'sbom.json'], { cwd: dir, env: envs.oras });
      const digest = sbom.stdout.toString().trim();
      if (sbom.status !== 0 || !digest.startsWith('sha256:')) throw new Error(`W7 setup attach failed: ${sbom.stderr.toString()}`);
      once('oras', ['attach', ...PLAIN, '--artifact-type', 'application/vnd.example.signature', `${repo}@${digest}`, 'sig.txt']);
    }
    const times = new Map<string, Record<ToolName, number[]>>(W7_COMMANDS.map((c) => [c.name, { orasd: [], oras: [] }]));
    ctx.log(`W7 ${reg.label}: ${W7_COMMANDS.length} commands × ${runs} runs × 2 tools`);
    // Warm-up (not recorded): the daemon's first CLI run of each command, page cache for oras.
    for (const tool of ['orasd', 'oras'] as const) {
      for (const c of W7_COMMANDS) once(tool, c.args({ repo: repos[tool], i: 0, out: path.join(dir, `warm-${tool}`) }));
    }
    for (let i = 1; i <= runs; i++) {
      W7_COMMANDS.forEach((c, k) => {
        const order: ToolName[] = (i + k) % 2 === 0 ? ['orasd', 'oras'] : ['oras', 'orasd'];
        for (const tool of order) {
          const out = path.join(dir, `out-${tool}-${i}`);
          times.get(c.name)![tool].push(once(tool, c.args({ repo: repos[tool], i, out })));
        }
      });
      for (const tool of ['orasd', 'oras']) fs.rmSync(path.join(dir, `out-${tool}-${i}`), { recursive: true, force: true });
    }
    for (const c of W7_COMMANDS) {
      const t = times.get(c.name)!;
      const d = median(t.orasd);
      const o = median(t.oras);
      const r = o / d;
      if (r < 1.5) missed.push(`${c.name} on ${reg.label.split(' ')[0]} (${r.toFixed(2)}×)`);
      if (r < worst) {
        worst = r;
        worstName = `${c.name} on ${reg.label.split(' ')[0]}`;
      }
      section.push(`| ${reg.label} | ${c.name} | ${fmtMs(d)} | ${fmtMs(quantile(t.orasd, 0.9))} | ${fmtMs(o)} | ${fmtMs(quantile(t.oras, 0.9))} | ${ratio(d, o)} |`);
    }
  }
  const total = W7_COMMANDS.length * registries.length;
  ctx.report.add({
    id: 'W7',
    workload: `${W7_COMMANDS.length} walkthrough commands × 2 loopback registries through the shim (table in the W7 section)`,
    orasd: `${total - missed.length} of ${total} at ≥ 1.5×`,
    oras: '–',
    ratio: `worst ${worst.toFixed(2)}× (${worstName})`,
    target: 'every command ≥ 1.5× faster than oras',
    verdict: missed.length === 0 ? 'met' : 'MISSED',
    note: `${runs} interleaved runs each, medians${missed.length ? `; below 1.5×: ${missed.join(', ')}` : ''}`,
  });
  await direct(ctx, loop.olareg, dir);
}

/** The same operations as JSON-RPC calls on one open socket to the warm daemon. */
async function direct(ctx: BenchContext, host: string, dir: string): Promise<void> {
  const n = ctx.opts.w7Calls;
  const repo = `${host}/${ctx.unique('bench/w7-rpc')}`;
  const conn = await RpcConnection.open(ctx.daemon.socketPath);
  const rows: Array<{ name: string; ms: number[]; target?: number }> = [];
  try {
    const base = { cwd: dir };
    const graph = await conn.call<{ digest: string }>('push', { ...base, reference: `${repo}:graph`, files: [{ path: 'graph.txt' }] });
    await conn.call('attach', { ...base, reference: `${repo}@${graph.digest}`, artifactType: 'application/vnd.example.sbom', files: [{ path: 'sbom.json', mediaType: 'application/json' }] });
    const measure = async (name: string, target: number | undefined, params: (i: number) => [string, unknown], after?: (i: number) => void) => {
      for (let i = 0; i < Math.min(20, n); i++) await conn.call(...params(-1 - i)); // JIT and caches warm
      after?.(-1);
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        ms.push((await conn.timed(...params(i))).ms);
        after?.(i);
      }
      rows.push({ name, ms, ...(target !== undefined ? { target } : {}) });
    };
    const digests: string[] = [];
    await measure('resolve (cached)', 0.15, () => ['resolve', { reference: `${repo}:graph` }]);
    await measure('discover', 0.7, () => ['discover', { reference: `${repo}:graph` }]);
    await measure('manifest fetch', undefined, () => ['manifest/fetch', { reference: `${repo}:graph` }]);
    await measure('push (small file, new tag)', 2, (i) => ['push', { ...base, reference: `${repo}:p${i}`, files: [{ path: 'a.txt' }], annotations: { run: String(i) } }]);
    for (let i = 0; i < n; i++) digests.push((await conn.call<{ digest: string }>('resolve', { reference: `${repo}:p${i}` })).digest);
    await measure('attach (small file)', 2, (i) => ['attach', { ...base, reference: i >= 0 ? `${repo}@${digests[i]}` : `${repo}:graph`, artifactType: 'application/vnd.example.sig', files: [{ path: 'sig.txt' }] }]);
    await measure('pull (small file)', 2, (i) => ['pull', { reference: `${repo}:graph`, output: path.join(dir, `rpc-pull-${i}`) }], (i) =>
      fs.rmSync(path.join(dir, `rpc-pull-${i}`), { recursive: true, force: true }),
    );
    await measure('tag', undefined, (i) => ['tag', { reference: `${repo}:graph`, tags: [`rt${i}`] }]);
    await measure('repo tags', undefined, () => ['repo/tags', { reference: repo }]);
  } finally {
    conn.close();
  }
  const missed = rows.filter((r) => r.target !== undefined && quantile(r.ms, 0.5) > r.target);
  ctx.report.section('W7', 'W7 — every command on loopback (no proxy)').push(
    '',
    `Direct JSON-RPC calls to the warm daemon on one open socket (newline-delimited JSON from the bench process), olareg on loopback, ${n} calls each after 20 untimed ones; push/attach/tag make a new tag or artifact per call, pull writes into a new folder per call.`,
    '',
    '| call | p50 | p90 | p99 | target (p50) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${fmtMs(quantile(r.ms, 0.5))} | ${fmtMs(quantile(r.ms, 0.9))} | ${fmtMs(quantile(r.ms, 0.99))} | ${r.target !== undefined ? `≤ ${fmtMs(r.target)}` : ''} |`),
  );
  const get = (name: string) => rows.find((r) => r.name.startsWith(name))!;
  ctx.report.add({
    id: 'W7d',
    workload: 'direct JSON-RPC calls on one socket, loopback olareg, p50 / p99',
    orasd: ['push', 'attach', 'pull', 'discover', 'resolve'].map((k) => `${k} ${fmtMs(quantile(get(k).ms, 0.5))} / ${fmtMs(quantile(get(k).ms, 0.99))}`).join('; '),
    oras: '–',
    ratio: '–',
    target: 'p50: push, attach, pull ≤ 2 ms; discover ≤ 0.7 ms; cached resolve ≤ 0.15 ms',
    verdict: missed.length ? 'MISSED' : 'met',
    note: `${n} calls each${missed.length ? `; over target: ${missed.map((r) => r.name).join(', ')}` : ''}`,
  });
}
