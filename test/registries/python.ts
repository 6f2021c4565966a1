// The Python client's tests run in a venv under .tools, refreshed only when
// its packaging files or the pytest pin change (the client is installed
// editable, so source edits need no reinstall).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireToolsLock, repoRoot, toolsDir } from './tools';
import { PYTHON_PACKAGES } from './versions';

const PACKAGING_FILES = ['pyproject.toml', 'setup.cfg', 'setup.py', 'requirements.txt', 'requirements-dev.txt'];

export function pythonClientDir(): string {
  return process.env.ORASD_PYTHON_CLIENT_DIR
    ? path.resolve(process.env.ORASD_PYTHON_CLIENT_DIR)
    : path.join(repoRoot(), 'clients', 'python');
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; toStderr?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', opts.toStderr ? 2 : 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

/** Creates or refreshes .tools/venv; returns its python. */
export async function ensureVenv(clientDir: string): Promise<string> {
  const venv = path.join(toolsDir(), 'venv');
  const python = path.join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const stampFile = path.join(venv, '.orasd-stamp');
  const h = createHash('sha256').update(JSON.stringify(PYTHON_PACKAGES)).update(clientDir);
  for (const f of PACKAGING_FILES) {
    const p = path.join(clientDir, f);
    if (fs.existsSync(p)) h.update(f).update(fs.readFileSync(p));
  }
  const stamp = h.digest('hex');
  const current = () => fs.existsSync(python) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  if (current()) return python;

  const release = await acquireToolsLock();
  try {
    if (current()) return python;
    if (!fs.existsSync(python)) {
      process.stderr.write(`[python] creating ${venv} ...\n`);
      const code = await run(process.env.ORASD_PYTHON ?? 'python3', ['-m', 'venv', venv], { toStderr: true });
      if (code !== 0) throw new Error(`python3 -m venv ${venv} failed (${code})`);
    }
    process.stderr.write(`[python] installing pytest and ${clientDir} into ${venv} ...\n`);
    const pins = Object.entries(PYTHON_PACKAGES).map(([name, v]) => `${name}==${v}`);
    const hasPackaging = PACKAGING_FILES.slice(0, 3).some((f) => fs.existsSync(path.join(clientDir, f)));
    const code = await run(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pins, ...(hasPackaging ? ['-e', clientDir] : [])],
      { toStderr: true },
    );
    if (code !== 0) throw new Error(`pip install into ${venv} failed (${code})`);
    fs.writeFileSync(stampFile, stamp);
  } finally {
    release();
  }
  return python;
}

/** Runs pytest on the Python client's tests; exit code 5 (nothing collected) counts as success. */
export async function runPytest(env: NodeJS.ProcessEnv): Promise<number> {
  const clientDir = pythonClientDir();
  const python = await ensureVenv(clientDir);
  const code = await run(python, ['-m', 'pytest', path.join(clientDir, 'tests')], { cwd: clientDir, env });
  if (code === 5) {
    process.stderr.write('[python] pytest collected no tests\n');
    return 0;
  }
  return code;
}
