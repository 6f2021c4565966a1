// Settings of a bench run: flags (--name=value or --name value) win over environment variables
// (BENCH_NAME), which win over the defaults; --quick / BENCH_QUICK=1 picks the small defaults.
export interface BenchOptions {
  quick: boolean;
  /** Simulated network round trip, ms (0: plain loopback through the proxy). */
  rttMs: number;
  /** ALPN the registries' TLS edge offers. */
  alpn: string[];
  /** Repetitions of each timed workload per tool (alternating tools). */
  reps: number;
  only: Set<string> | undefined;
  w0Runs: number;
  w1Iterations: number;
  w2Items: number;
  w2Concurrency: number;
  w2ShimRow: boolean;
  w3Artifacts: number;
  w4MiB: number;
  w4Reps: number;
  w4lMiB: number;
  w4lReps: number;
  w7Runs: number;
  w7Calls: number;
  w8Runs: number;
  w5Calls: number;
  w5OrasRuns: number;
  /** Before each workload, wait up to this many seconds for the machine to be quiet. */
  quietWaitS: number;
  /** Quiet: all cores together less busy than this share (0..1) over 3 s, with our servers idle. */
  quietBelow: number;
  /** Where RESULTS.md goes; '' writes nothing. */
  resultsFile: string;
  keep: boolean;
}

export const OPTION_HELP = `npm run bench [-- options]      (each option also as an environment variable BENCH_<NAME>)
  --quick                 small counts: finishes in a few minutes (BENCH_QUICK=1)
  --rtt MS                simulated round trip to the registries (default 20; 0 = plain loopback)
  --alpn LIST             protocols the registries' TLS offers (default h2,http/1.1)
  --reps N                repetitions per tool of each timed workload (default 3; quick 2)
  --only w0,w3            run only these workloads
  --w0-runs N             oras version runs per launcher (default 200; quick 40)
  --w1-iterations N       push+attach+discover iterations of the shell loop (default 100; quick 10)
  --w2-items N            pushes (each with a discover) from Python / xargs (default 1000; quick 100)
  --w2-concurrency N      (default 16)
  --w2-shim-row 0|1       also time xargs -P through the shim (default 1)
  --w3-artifacts N        artifacts in the copied graph (default 200; quick 40)
  --w4-mib N              size of the pushed and pulled file (default 1024; quick 128)
  --w4-reps N             repetitions of W4 (default 3; quick 1)
  --w4l-mib N             size of the file of W4L, on loopback (default 1024; quick 128)
  --w4l-reps N            repetitions of W4L (default 3; quick 1)
  --w7-runs N             runs per tool of each W7 command, per registry (default 20; quick 5)
  --w7-calls N            direct JSON-RPC calls per operation in W7 (default 500; quick 50)
  --w8-runs N             cold pushes per tool, and daemon starts, in W8 (default 10; quick 3)
  --w5-calls N            resolves over the socket (default 10000; quick 2000)
  --w5-oras-runs N        oras resolve runs to compare with (default 20; quick 5)
  --quiet-wait S          before each workload wait up to S seconds for other load to go (default 120; quick 30)
  --quiet-below PCT       "quiet": the machine less than PCT % busy over 3 s (default 20)
  --results FILE          where to write the report (default test/bench/RESULTS.md; quick: RESULTS.quick.md)
  --keep                  keep the temp folder (registries' storage, logs, daemon logs)
`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, repoRoot: string): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${OPTION_HELP}`);
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--quick' || a === '--keep' || a === '--help') flags.set(a.slice(2), '1');
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), v);
    }
  }
  if (flags.has('help')) {
    process.stdout.write(OPTION_HELP);
    process.exit(0);
  }
  const raw = (name: string): string | undefined => flags.get(name) ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const bool = (name: string): boolean => ['1', 'true', 'yes'].includes((raw(name) ?? '').toLowerCase());
  const quick = bool('quick');
  const num = (name: string, full: number, small: number = full): number => {
    const v = raw(name);
    if (v === undefined || v === '') return quick ? small : full;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got ${v}`);
    return n;
  };
  const only = raw('only');
  const results = raw('results');
  return {
    quick,
    rttMs: num('rtt', 20),
    alpn: (raw('alpn') ?? 'h2,http/1.1').split(',').map((s) => s.trim()).filter(Boolean),
    reps: Math.max(1, num('reps', 3, 2)),
    only: only ? new Set(only.toLowerCase().split(',').map((s) => s.trim())) : undefined,
    w0Runs: Math.max(5, num('w0-runs', 200, 40)),
    w1Iterations: Math.max(1, num('w1-iterations', 100, 10)),
    w2Items: Math.max(1, num('w2-items', 1000, 100)),
    w2Concurrency: Math.max(1, num('w2-concurrency', 16)),
    w2ShimRow: num('w2-shim-row', 1) > 0,
    w3Artifacts: Math.max(2, num('w3-artifacts', 200, 40)),
    w4MiB: Math.max(1, num('w4-mib', 1024, 128)),
    w4Reps: Math.max(1, num('w4-reps', 3, 1)),
    w4lMiB: Math.max(1, num('w4l-mib', 1024, 128)),
    w4lReps: Math.max(1, num('w4l-reps', 3, 1)),
    w7Runs: Math.max(1, num('w7-runs', 20, 5)),
    w7Calls: Math.max(1, num('w7-calls', 500, 50)),
    w8Runs: Math.max(1, num('w8-runs', 10, 3)),
    w5Calls: Math.max(10, num('w5-calls', 10_000, 2_000)),
    w5OrasRuns: Math.max(1, num('w5-oras-runs', 20, 5)),
    quietWaitS: num('quiet-wait', 120, 30),
    quietBelow: Math.min(100, num('quiet-below', 20)) / 100,
    resultsFile: results !== undefined ? results : `${repoRoot}/test/bench/${quick ? 'RESULTS.quick.md' : 'RESULTS.md'}`,
    keep: bool('keep'),
  };
}

export function wants(opts: BenchOptions, id: string): boolean {
  return !opts.only || opts.only.has(id.toLowerCase());
}
