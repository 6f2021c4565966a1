// W8: cold. No daemon running (each run has its own ORASD_SOCKET in a fresh folder, so no other
// daemon can answer): one `oras push` of a small file through the shim, which starts the daemon
// and waits for it, vs the Go `oras`, interleaved; the daemon is stopped after each run. Then,
// separately, the daemon alone: spawned as the launchers spawn it (`serve --socket PATH
// --idle-timeout 1800`), timed until its socket accepts and until it first answers a request.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchContext } from '../context';
import { connect, MAIN_JS, rpc } from '../daemon';
import { ratio } from '../report';
import { fmtMs, median, quantile } from '../stats';

export async function w8(ctx: BenchContext): Promise<void> {
  const { olareg: host } = await ctx.loopback();
  const dir = path.join(ctx.work, 'w8');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.txt'), `w8 ${Date.now()}\n`);
  const runs = ctx.opts.w8Runs;
  const repo = ctx.unique('bench/w8');
  const shim: number[] = [];
  const oras: number[] = [];
  const stopDaemon = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [MAIN_JS, 'daemon', 'stop'], { env, stdio: 'ignore' });
  const timed = (cmd: string, args: string[], env: NodeJS.ProcessEnv): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
    return ms;
  };
  for (let i = 0; i < runs; i++) {
    const own = fs.mkdtempSync(path.join(dir, 'sock-'));
    fs.chmodSync(own, 0o700);
    const env = { ...ctx.envFor('orasd'), ORASD_SOCKET: path.join(own, 'orasd.sock') };
    const order = i % 2 === 0 ? ['orasd', 'oras'] : ['oras', 'orasd'];
    for (const tool of order) {
      const args = ['push', '--plain-http', `${host}/${repo}-${tool}:c${i}`, 'a.txt'];
      if (tool === 'oras') oras.push(timed(ctx.orasBin, args, ctx.envFor('oras')));
      else {
        shim.push(timed(ctx.shim, args, env));
        stopDaemon(env);
      }
    }
    ctx.log(`W8 ${i + 1}/${runs}: cold push through the shim ${fmtMs(shim.at(-1)!)}, oras ${fmtMs(oras.at(-1)!)}`);
  }

  // The launcher alone: `oras version` through the shim with no daemon (it starts one, waits for
  // its first answer, prints, exits): launcher start → daemon ready, as a user sees it.
  const launcher: number[] = [];
  for (let i = 0; i < runs; i++) {
    const own = fs.mkdtempSync(path.join(dir, 'ver-'));
    fs.chmodSync(own, 0o700);
    const env = { ...ctx.envFor('orasd'), ORASD_SOCKET: path.join(own, 'orasd.sock') };
    launcher.push(timed(ctx.shim, ['version'], env));
    stopDaemon(env);
  }

  // The daemon alone: spawn → socket accepts → first answer (a `status` request).
  const listening: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < runs; i++) {
    const own = fs.mkdtempSync(path.join(dir, 'start-'));
    fs.chmodSync(own, 0o700);
    const sock = path.join(own, 'orasd.sock');
    const env = { ...ctx.envFor('orasd'), ORASD_SOCKET: sock };
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [MAIN_JS, 'serve', '--socket', sock, '--idle-timeout', '1800'], { env, stdio: 'ignore', detached: true });
    const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
    let listenMs = NaN;
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode} before it answered`);
        if (since() > 30_000) throw new Error('the daemon did not answer within 30 s');
        const s = await connect(sock).catch(() => undefined);
        if (!s) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        if (Number.isNaN(listenMs)) listenMs = since();
        try {
          await rpc(s, 'status', {});
          ready.push(since());
          listening.push(listenMs);
          break;
        } catch {
          /* not serving yet */
        } finally {
          s.destroy();
        }
      }
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
  const s = median(shim);
  const o = median(oras);
  ctx.report.add({
    id: 'W8',
    workload: 'cold: one `oras push` of a small file with no daemon running (the shim starts it), loopback olareg',
    orasd: fmtMs(s),
    oras: fmtMs(o),
    ratio: ratio(s, o),
    target: 'within 2× of oras (ratio ≥ 0.5×)',
    verdict: s <= 2 * o ? 'met' : 'MISSED',
    note: `${runs} runs each, interleaved; each run its own socket folder, the daemon stopped after it`,
  });
  const r = median(ready);
  ctx.report.add({
    id: 'W8d',
    workload: 'daemon start (spawned as the launchers do) → first answer to a request',
    orasd: `${fmtMs(r)} (socket accepting at ${fmtMs(median(listening))}; \`oras version\` through the shim with no daemon: ${fmtMs(median(launcher))})`,
    oras: '–',
    ratio: '–',
    target: '≤ 120 ms',
    verdict: r <= 120 ? 'met' : 'MISSED',
    note: `${runs} starts, median; "ready" = the first \`status\` request answered`,
  });
  ctx.report.section('W8', 'W8 — cold start').push(
    `Cold push: \`push --plain-http <olareg>/<repo>:c<i> a.txt\`, ${runs} runs per tool, interleaved, timed start to exit with spawnSync. The shim finds no daemon at its own ORASD_SOCKET (a new folder per run), starts one and waits for it; the daemon is stopped after each run. Daemon start: \`node dist/src/main.js serve --socket PATH --idle-timeout 1800\` spawned from the bench, polled every ~1 ms: "accepting" is the first successful connect, "ready" the first answered \`status\` request.`,
    '',
    '| | median | p10 | p90 | max |',
    '|---|---|---|---|---|',
    ...([
      ['cold push through the shim (daemon started by it)', shim],
      ['`oras push` (Go)', oras],
      ['`oras version` through the shim, no daemon (launcher start → daemon ready → exit)', launcher],
      ['daemon spawned → socket accepting', listening],
      ['daemon spawned → first answer', ready],
    ] as const).map(([label, v]) => `| ${label} | ${fmtMs(median(v))} | ${fmtMs(quantile(v, 0.1))} | ${fmtMs(quantile(v, 0.9))} | ${fmtMs(Math.max(...v))} |`),
  );
}
