// npm run bench: orasd against the oras CLI on real registries behind a simulated network.
// See test/bench/README.md (and `npm run bench -- --help`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeContext, type BenchContext } from './context';
import { busiestProcesses, cpuSample, loadavg, machineInfo, versions, waitQuiet } from './machine';
import { parseOptions, wants, type BenchOptions } from './options';
import { runOk } from './proc';
import { startBenchRegistries } from './registries';
import { Report, renderRequests, renderSummary } from './report';
import { repoRoot as findRepoRoot } from '../registries/tools';
import { w0 } from './workloads/w0';
import { w1 } from './workloads/w1';
import { w2 } from './workloads/w2';
import { w3 } from './workloads/w3';
import { w4 } from './workloads/w4';
import { w4l } from './workloads/w4l';
import { w5 } from './workloads/w5';
import { w6 } from './workloads/w6';
import { w7 } from './workloads/w7';
import { w8 } from './workloads/w8';

const WORKLOADS: Array<[string, (ctx: BenchContext) => Promise<void>]> = [
  ['w0', w0],
  ['w5', w5],
  ['w6', w6],
  ['w7', w7],
  ['w8', w8],
  ['w1', w1],
  ['w2', w2],
  ['w3', w3],
  ['w4', w4],
  ['w4l', w4l],
];

async function main(): Promise<number> {
  const root = findRepoRoot();
  const opts = parseOptions(process.argv.slice(2), process.env, root);
  const started = new Date();
  const machine = machineInfo();
  const report = new Report();
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  log(`rtt ${opts.rttMs} ms, reps ${opts.reps}${opts.quick ? ', quick' : ''}; machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAtStart}`);

  const reg = await startBenchRegistries({ rttMs: opts.rttMs, alpn: opts.alpn });
  const base = makeContext(opts, reg, root, report);
  let ctx: BenchContext | undefined;
  const loads: string[] = [];
  try {
    const daemon = await base.startMainDaemon();
    ctx = { ...base, daemon };
    // Warm the daemon: it has talked to registries A, B and ref once (connections, tokens for
    // a warm-up repository), as a daemon that has been in use would have.
    fs.writeFileSync(path.join(base.work, 'warm.txt'), `warm ${Date.now()}\n`);
    for (const host of [reg.a, reg.b, reg.ref]) {
      await runOk(ctx.shim, ['push', '--ca-file', ctx.ca, `${host}/bench/warm-up:v1`, 'warm.txt'], { cwd: base.work, env: ctx.envFor('orasd') });
    }
    const busy = busiestProcesses(new Set([process.pid, daemon.pid, reg.proxy.pid]));
    for (const [id, fn] of WORKLOADS) {
      if (!wants(opts, id)) continue;
      const quiet = await waitQuiet(opts.quietWaitS, opts.quietBelow, new Set([process.pid]));
      if (quiet.busy >= opts.quietBelow) log(`machine still ${(quiet.busy * 100).toFixed(0)} % busy (${quiet.top.join(', ')}) after waiting ${quiet.waitedS.toFixed(0)} s; going on`);
      const busyNow = quiet.top;
      const before = cpuSample();
      const load0 = loadavg();
      const t0 = Date.now();
      log(`${id.toUpperCase()} ...`);
      try {
        await fn(ctx);
      } catch (e) {
        log(`${id.toUpperCase()} failed: ${(e as Error).stack ?? e}`);
        report.fail(id.toUpperCase(), e);
      }
      const after = cpuSample();
      const share = ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100;
      loads.push(
        `| ${id.toUpperCase()} | ${((Date.now() - t0) / 1000).toFixed(0)} s | ${quiet.waitedS.toFixed(0)} s, then ${(quiet.busy * 100).toFixed(0)} % busy${busyNow.length ? ` (${busyNow.join('; ')})` : ''} | ${load0} → ${loadavg()} | ${share.toFixed(0)} % | ${(daemon.rss() / 2 ** 20).toFixed(0)} / ${(daemon.peakRss() / 2 ** 20).toFixed(0)} MiB |`,
      );
    }
    const peak = ctx.daemon.peakRss();
    report.section('RSS', 'Daemon memory').push(
      `Peak RSS (VmHWM) of the warm daemon that served W0, W5, W1, W2 and the graph checks of W3 (W3, W4, W4L, W6 and W8 start their own daemons): **${(peak / 2 ** 20).toFixed(0)} MiB** (RSS at the end ${(ctx.daemon.rss() / 2 ** 20).toFixed(0)} MiB). W4 starts a fresh daemon per operation and reports its peak there.`,
    );
    writeReport(opts, report, machine, reg.tools.oras, reg.tools.registry, root, started, loads, busy);
  } finally {
    await ctx?.daemon.stop().catch(() => undefined);
    await base.stopLoopback();
    if (opts.keep) log(`kept ${reg.dir}`);
    else await reg.stop();
  }
  process.stdout.write(`\n${renderSummary(report.summary)}\n\n`);
  if (report.requests.length) process.stdout.write(`${renderRequests(report.requests)}\n\n`);
  return report.summary.some((r) => r.verdict === 'failed') ? 1 : 0;
}

function writeReport(
  opts: BenchOptions,
  report: Report,
  machine: ReturnType<typeof machineInfo>,
  oras: string,
  registry: string,
  root: string,
  started: Date,
  loads: string[],
  busy: string[],
): void {
  const v = versions(root, oras, registry);
  const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(1);
  report.preamble.push(
    '# orasd benchmark results',
    '',
    `Generated by \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`${opts.quick ? ' (quick)' : ''} on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; the run took ${minutes} min. Every number below comes from that run; nothing is edited by hand.`,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores; memory ${machine.memory}; ${machine.kernel}`,
    `- Load average (1/5/15 min) at the start: ${machine.loadAtStart}. Other busy processes at the start: ${busy.length ? busy.join('; ') : 'none above 5 % CPU'}.`,
    `- Before each workload the bench waits (up to ${opts.quietWaitS} s) until the machine is less than ${(opts.quietBelow * 100).toFixed(0)} % busy over 3 s, with its own servers idle. Per workload: that wait and what other work was running, the load average before → after, and how busy all cores were while it ran (the bench's own processes included):`,
    '',
    '| workload | took | quiet wait (other busy processes) | load average | CPU busy | warm daemon RSS / peak after |',
    '|---|---|---|---|---|---|',
    ...loads,
    '',
    '## Versions',
    '',
    ...Object.entries(v).map(([k, x]) => `- ${k}: ${x}`),
    '',
    '## Settings',
    '',
    `- Network: every registry and the token server are reached through \`test/bench/delay-proxy.ts\` (its own process), which holds each chunk ${opts.rttMs / 2} ms in each direction (**${opts.rttMs} ms round trip**; a new connection also waits one round trip, as the TCP handshake would), terminates TLS with a self-signed bench CA (ALPN ${opts.alpn.join(', ')}), and forwards each HTTP request to the server on loopback, logging it. Request counts below are the proxy's.`,
    '- Registries: A and B are CNCF distribution with bearer-token auth (a real token server; tokens live 300 s); "ref" is go-containerregistry with the OCI referrers API (anonymous). Distribution has no referrers API, so attach and discover use the `sha256-<digest>` tag schema there.',
    '- Both tools get the same credentials from one docker config (`DOCKER_CONFIG`; the Python client passes it as `registryConfig`) and the same CA (`--ca-file`, or `caFile`).',
    '- Both tools run with their default concurrency (oras: push 5, copy 3; orasd: its own defaults).',
    `- Repetitions: ${opts.reps} per tool for W1–W3 (tools alternate; first tool alternates per repetition), ${opts.w4Reps} for W4; W0 ${opts.w0Runs} runs; W1 ${opts.w1Iterations} iterations; W2 ${opts.w2Items} items at concurrency ${opts.w2Concurrency}; W3 ${opts.w3Artifacts} artifacts; W4 ${opts.w4MiB} MiB; W5 ${opts.w5Calls} calls; W4L ${opts.w4lMiB} MiB × ${opts.w4lReps}; W7 ${opts.w7Runs} runs per command and tool, ${opts.w7Calls} direct calls per operation; W8 ${opts.w8Runs} runs.`,
    '- Loopback (W4L, W7, W8): CNCF distribution and olareg on 127.0.0.1, plain HTTP, no auth, not behind the proxy; both tools get `--plain-http`.',
    '- Daemon: started as the launchers start it (`serve --socket … --idle-timeout 1800`, default log level, to a file). "Warm": it has served earlier work and talked to the registries; "cold": started just before (nothing cached, no connections). Each workload says which it uses.',
    '',
  );
  const text = report.render();
  if (opts.resultsFile) {
    fs.writeFileSync(opts.resultsFile, text);
    process.stderr.write(`[bench] wrote ${opts.resultsFile}\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`[bench] ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
