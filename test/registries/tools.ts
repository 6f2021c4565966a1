// Installs the real registries and the real oras CLI into <repo>/.tools/bin at
// the pinned versions, so tests never depend on what happens to be on PATH.
// A stamp per tool records what was installed; a pin change reinstalls.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GO_INSTALLS, GO_MODULE_REQUIRES } from './versions';

export interface Tools {
  oras: string;
  registry: string;
  refreg: string;
  /** olareg, unchanged upstream: a registry with the referrers API, basic auth and deletes. */
  olareg: string;
  tokenserver: string;
  bcrypt: string;
  /** Runs a command so that it dies with the test process (see go/cmd/guard). */
  guard: string;
  binDir: string;
}

const OWN_COMMANDS = ['refreg', 'tokenserver', 'bcrypt', 'guard'] as const;
/** `tool` lines of test/registries/go/go.mod, built with our commands. */
const MODULE_TOOLS = ['github.com/olareg/olareg/cmd/olareg'] as const;
const exe = process.platform === 'win32' ? '.exe' : '';

/** The checkout root: the nearest ancestor holding our Go module, wherever dist/ lives. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'test', 'registries', 'go', 'go.mod'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = up;
  }
}

export function toolsDir(): string {
  return process.env.ORASD_TOOLS_DIR ? path.resolve(process.env.ORASD_TOOLS_DIR) : path.join(repoRoot(), '.tools');
}

interface Job {
  label: string;
  stampName: string;
  stamp: string;
  outputs: string[];
  run(tmpDir: string): Promise<void>;
}

let inProcess: Promise<Tools> | undefined;

/** Installs what is missing or stale (once per process), then returns absolute paths. */
export function ensureTools(): Promise<Tools> {
  inProcess ??= install().catch((e: unknown) => {
    inProcess = undefined;
    throw e;
  });
  return inProcess;
}

async function install(): Promise<Tools> {
  const root = toolsDir();
  const binDir = path.join(root, 'bin');
  const tools: Tools = {
    oras: path.join(binDir, 'oras' + exe),
    registry: path.join(binDir, 'registry' + exe),
    refreg: path.join(binDir, 'refreg' + exe),
    olareg: path.join(binDir, 'olareg' + exe),
    tokenserver: path.join(binDir, 'tokenserver' + exe),
    bcrypt: path.join(binDir, 'bcrypt' + exe),
    guard: path.join(binDir, 'guard' + exe),
    binDir,
  };
  const jobs = plannedJobs();
  const stale = () => jobs.filter((j) => !isCurrent(root, j));
  if (stale().length === 0) return tools;

  fs.mkdirSync(binDir, { recursive: true });
  const release = await acquireToolsLock();
  try {
    // Leftovers of an install that was killed; nobody else installs while we hold the lock.
    for (const e of fs.readdirSync(root)) if (e.startsWith('tmp-')) fs.rmSync(path.join(root, e), { recursive: true, force: true });
    // Another process may have finished the work while we waited for the lock.
    const todo = stale();
    await Promise.all(todo.map((j) => runJob(root, binDir, j)));
  } finally {
    release();
  }
  return tools;
}

function plannedJobs(): Job[] {
  const jobs: Job[] = Object.entries(GO_INSTALLS).map(([name, pin]) => ({
    label: `${name} ${pin.version} (go install ${pin.module})`,
    stampName: name,
    stamp: `${pin.module}@${pin.version}`,
    outputs: [name + exe],
    run: (tmp: string) => goCommand(['install', `${pin.module}@${pin.version}`], { GOBIN: tmp }, repoRoot()),
  }));
  const modDir = path.join(repoRoot(), 'test', 'registries', 'go');
  checkModulePins(modDir);
  const toolNames = MODULE_TOOLS.map((t) => path.posix.basename(t));
  jobs.push({
    label: `${[...OWN_COMMANDS, ...toolNames].join(', ')} (go build in test/registries/go)`,
    stampName: 'own-go-module',
    stamp: `sources ${hashTree(modDir)}`,
    outputs: [...OWN_COMMANDS, ...toolNames].map((c) => c + exe),
    // Registries whose release cannot be `go install`ed here (the module proxy serves their
    // versions but not their version list, which `go install pkg@v` reads) are `tool`s of our
    // module, built from go.mod's pin, source unchanged.
    run: (tmp: string) => goCommand(['build', '-trimpath', '-o', tmp + path.sep, './cmd/...', ...MODULE_TOOLS], {}, modDir),
  });
  return jobs;
}

function stampPath(root: string, job: Job): string {
  return path.join(root, 'stamps', job.stampName + '.stamp');
}

function isCurrent(root: string, job: Job): boolean {
  try {
    if (fs.readFileSync(stampPath(root, job), 'utf8') !== job.stamp) return false;
  } catch {
    return false;
  }
  return job.outputs.every((o) => fs.existsSync(path.join(root, 'bin', o)));
}

async function runJob(root: string, binDir: string, job: Job): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(root, `tmp-${job.stampName}-`));
  const started = Date.now();
  process.stderr.write(`[tools] installing ${job.label} into ${binDir} ...\n`);
  try {
    await job.run(tmp);
    // rename is atomic, so a concurrent reader sees the old or the new binary, never half of one.
    for (const o of job.outputs) fs.renameSync(path.join(tmp, o), path.join(binDir, o));
    fs.mkdirSync(path.dirname(stampPath(root, job)), { recursive: true });
    fs.writeFileSync(stampPath(root, job), job.stamp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.stderr.write(`[tools] ${job.stampName} ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}

function goCommand(args: string[], env: Record<string, string>, cwd: string): Promise<void> {
  const goflags = process.env.GOFLAGS ?? '';
  const fullEnv = {
    ...process.env,
    ...env,
    GOWORK: 'off',
    CGO_ENABLED: '0',
    GOFLAGS: goflags.includes('-buildvcs') ? goflags : `${goflags} -buildvcs=false`.trim(),
  };
  return new Promise((resolve, reject) => {
    // go's own output goes to our stderr: it explains a slow first run (downloads).
    const child = spawn('go', args, { cwd, env: fullEnv, stdio: ['ignore', 2, 2] });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error('the Go toolchain (go) is needed on PATH to install the test registries') : e),
    );
    child.on('exit', (code, sig) =>
      code === 0 ? resolve() : reject(new Error(`go ${args.join(' ')} failed (${sig ?? code})`)),
    );
  });
}

function checkModulePins(modDir: string): void {
  const gomod = fs.readFileSync(path.join(modDir, 'go.mod'), 'utf8');
  for (const [mod, version] of Object.entries(GO_MODULE_REQUIRES)) {
    const re = new RegExp(`^\\s*(require\\s+)?${mod.replace(/[.]/g, '\\.')}\\s+${version.replace(/[.]/g, '\\.')}\\s*(//.*)?$`, 'm');
    if (!re.test(gomod)) {
      throw new Error(`test/registries/go/go.mod does not require ${mod} ${version} as versions.ts pins it`);
    }
  }
}

function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(go|mod|sum)$/.test(e.name)) h.update(path.relative(dir, p)).update('\0').update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

const LOCK_STALE_MS = 30 * 60_000;

/**
 * Serialises installs into .tools across processes (two `npm test` at once).
 * mkdir is atomic: whoever creates the directory owns the lock.
 */
export async function acquireToolsLock(): Promise<() => void> {
  fs.mkdirSync(toolsDir(), { recursive: true });
  const lockDir = path.join(toolsDir(), 'install.lock');
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lockIsStale(lockDir)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      process.stderr.write(`[tools] waiting for another process installing into ${path.dirname(lockDir)} ...\n`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function lockIsStale(lockDir: string): boolean {
  try {
    const st = fs.statSync(lockDir);
    if (Date.now() - st.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(fs.readFileSync(path.join(lockDir, 'owner'), 'utf8'));
    if (!pid) return Date.now() - st.mtimeMs > 5_000; // owner file not written yet, or lost
    process.kill(pid, 0);
    return false;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}
