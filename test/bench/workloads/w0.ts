// W0: start-to-exit of `oras version` through the shell launcher (clients/shell/oras, which
// execs the C launcher) against the warm daemon, vs the Go oras binary. Timed with spawnSync
// from this process (fork + exec + wait), interleaved run by run; /bin/true gives the cost of
// spawning itself, which is included in both. Also: the first call when no daemon runs
// (the launcher starts one), for information.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchContext } from '../context';
import { ratio } from '../report';
import { fmtMs, median, quantile } from '../stats';

export async function w0(ctx: BenchContext): Promise<void> {
  const n = ctx.opts.w0Runs;
  const envShim = ctx.envFor('orasd');
  const envGo = ctx.envFor('oras');
  const cmds: Record<string, { cmd: string; args: string[]; env: NodeJS.ProcessEnv }> = {
    true: { cmd: '/bin/true', args: [], env: envGo },
    shim: { cmd: ctx.shim, args: ['version'], env: envShim },
    oras: { cmd: ctx.orasBin, args: ['version'], env: envGo },
  };
  const once = (k: string): number => {
    const c = cmds[k]!;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(c.cmd, c.args, { env: c.env, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${c.cmd} ${c.args.join(' ')} exited ${r.status}`);
    return ms;
  };
  // Warm-up: page cache, the launcher's rebuild check, the daemon's first cli/run.
  for (let i = 0; i < 5; i++) for (const k of Object.keys(cmds)) once(k);
  const times: Record<string, number[]> = { true: [], shim: [], oras: [] };
  const order = ['shim', 'oras', 'true'];
  const { traffic } = await ctx.phase('w0', async () => {
    for (let i = 0; i < n; i++) {
      const o = i % 2 === 0 ? order : [...order].reverse();
      for (const k of o) times[k]!.push(once(k));
    }
  });
  const shim = median(times.shim!);
  const oras = median(times.oras!);
  const base = median(times.true!);
  const met = shim <= 20 && shim <= 2 * oras;
  ctx.report.add({
    id: 'W0',
    workload: '`oras version` through clients/shell/oras (warm daemon), start to exit',
    orasd: fmtMs(shim),
    oras: fmtMs(oras),
    ratio: ratio(shim, oras),
    target: '≤ 20 ms; ≤ 2× oras',
    verdict: met ? 'met' : 'MISSED',
    note: `${n} runs each, interleaved; spawn of /bin/true ${fmtMs(base)}`,
  });

  // Cold: no daemon at the socket; the launcher starts one and waits for it.
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = path.join(ctx.work, `w0-cold-${i}`);
    fs.mkdirSync(dir, { mode: 0o700 });
    const sock = path.join(dir, 'orasd.sock');
    const env = { ...envShim, ORASD_SOCKET: sock };
    const t0 = process.hrtime.bigint();
    const r = spawnSync(ctx.shim, ['version'], { env, stdio: 'ignore' });
    cold.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`cold oras version exited ${r.status}`);
    spawnSync(process.execPath, [path.join(ctx.repoRoot, 'dist', 'src', 'main.js'), 'daemon', 'stop'], { env, stdio: 'ignore' });
  }
  ctx.report.add({
    id: 'W0c',
    workload: 'the same, first call with no daemon running (the launcher starts it)',
    orasd: fmtMs(median(cold)),
    oras: fmtMs(oras),
    ratio: ratio(median(cold), oras),
    target: '(information)',
    verdict: 'info',
    note: '3 runs',
  });

  const s = ctx.report.section('W0', 'W0 — `oras version` start to exit');
  s.push(
    `${n} runs of each, interleaved (shim, oras, /bin/true, then reversed), timed with spawnSync from the bench process; the warm daemon answers the shim.`,
    '',
    '| command | median | p10 | p90 | p99 |',
    '|---|---|---|---|---|',
    ...(['shim', 'oras', 'true'] as const).map((k) => {
      const v = times[k]!;
      const label = k === 'shim' ? '`clients/shell/oras version` (C launcher → daemon)' : k === 'oras' ? '`oras version` (Go binary)' : '`/bin/true` (spawn cost alone)';
      return `| ${label} | ${fmtMs(median(v))} | ${fmtMs(quantile(v, 0.1))} | ${fmtMs(quantile(v, 0.9))} | ${fmtMs(quantile(v, 0.99))} |`;
    }),
    `| first call, daemon not running (3 runs) | ${fmtMs(median(cold))} | | | |`,
    '',
    `Registry requests during the timed runs: ${traffic.requests} (version needs none).`,
  );
}
