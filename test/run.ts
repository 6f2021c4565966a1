// `npm test`: installs the pinned tools, starts one shared anonymous
// distribution and one refreg, runs every compiled node:test file against them
// (then the Python client's pytest suite, if present) and stops them.
//
//   node dist/test/run.js [FILTER...]   only test files whose path contains a FILTER
//                                        (pytest runs when a FILTER matches "clients/python" or is "pytest")
//   ORASD_TEST_CONCURRENCY=N            node --test-concurrency (default 2)
//   ORASD_TEST_TIMEOUT=MS               node --test-timeout per test (default none)
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SHARED_REGISTRIES_ENV,
  describeSharedRegistries,
  ensureTools,
  repoRoot,
  startDistribution,
  startOlareg,
  startRefRegistry,
  type RunningRegistry,
} from './registries/harness';
import { pythonClientDir, runPytest } from './registries/python';

const registries: RunningRegistry[] = [];
let testChild: ChildProcess | undefined;

async function stopAll(): Promise<void> {
  await Promise.allSettled(registries.splice(0).map((r) => r.stop()));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\n[run] ${sig}: stopping registries\n`);
    testChild?.kill(sig);
    void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

/** Compiled test files whose TypeScript source still exists (dist/ may hold stale ones). */
function findTestFiles(distTestDir: string, root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) {
        const source = path.join(root, 'test', path.relative(distTestDir, p)).replace(/\.js$/, '.ts');
        if (fs.existsSync(source)) found.push(p);
      }
    }
  };
  walk(distTestDir);
  return found.sort();
}

function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--test', `--test-concurrency=${process.env.ORASD_TEST_CONCURRENCY ?? '2'}`];
  if (process.env.ORASD_TEST_TIMEOUT) args.push(`--test-timeout=${process.env.ORASD_TEST_TIMEOUT}`);
  return new Promise((resolve, reject) => {
    testChild = spawn(process.execPath, [...args, ...files], { env, stdio: 'inherit' });
    testChild.on('error', reject);
    testChild.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const root = repoRoot();
  const filters = process.argv.slice(2);
  const matches = (p: string) => filters.length === 0 || filters.some((f) => p.includes(f));
  const files = findTestFiles(__dirname, root).filter((f) => matches(path.relative(root, f)));
  const pyTests = path.join(pythonClientDir(), 'tests');
  const withPython =
    fs.existsSync(pyTests) && (filters.length === 0 || filters.some((f) => f === 'pytest' || path.relative(root, pyTests).includes(f)));
  if (files.length === 0 && !withPython) {
    process.stderr.write(`[run] no test files${filters.length ? ` match ${filters.join(' ')}` : ''}\n`);
    return 1;
  }

  const started = Date.now();
  await ensureTools();
  const [distribution, refreg, olareg] = await Promise.all([startDistribution(), startRefRegistry({ compliantReferrers: true }), startOlareg()]);
  registries.push(distribution, refreg, olareg);
  process.stderr.write(
    `[run] registries up in ${Date.now() - started} ms: distribution ${distribution.url} (log ${distribution.logFile}), refreg ${refreg.url} (log ${refreg.logFile}), olareg ${olareg.url} (log ${olareg.logFile})\n`,
  );
  const env = { ...process.env, [SHARED_REGISTRIES_ENV]: describeSharedRegistries({ distribution, refreg, olareg }) };

  let failed = false;
  if (files.length > 0) {
    const code = await runNodeTests(files, env);
    process.stderr.write(`[run] node --test on ${files.length} file(s) exited ${code}\n`);
    failed ||= code !== 0;
  }
  if (withPython) {
    const code = await runPytest({ ...env, ORASD_BIN: path.join(root, 'dist', 'src', 'main.js') });
    process.stderr.write(`[run] pytest exited ${code}\n`);
    failed ||= code !== 0;
  }
  return failed ? 1 : 0;
}

main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (e: unknown) => {
    process.stderr.write(`[run] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await stopAll();
    process.exit(1);
  });
