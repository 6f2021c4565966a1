/**
 * The README's client snippets work as written: the Python quickstart and the TypeScript Node
 * program run against a real registry (only the registry address is substituted).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { OrasdClient } from '../clients/typescript/client';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN } from './support/daemon';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

function snippet(readme: string, lang: string, index = 0): string {
  const blocks = [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  assert.ok(blocks[index], `README has no ${lang} block #${index}`);
  return blocks[index]!;
}

let reg: RunningRegistry;
let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  reg = (await getSharedRegistries()).distribution;
  dir = await mkdtemp(join(tmpdir(), 'orasd-readme-'));
  await mkdir(join(dir, 'run'), { mode: 0o700 });
  env = { ...process.env, ORASD_SOCKET: join(dir, 'run', 'orasd.sock'), ORASD_BIN: MAIN, PYTHONPATH: join(ROOT, 'clients', 'python') };
  for (const f of ['app.tar.gz', 'sbom.json', 'sbom.sig']) await writeFile(join(dir, f), `${f} content`);
});
after(async () => {
  const c = await OrasdClient.connect({ socketPath: env.ORASD_SOCKET, autoSpawn: false }).catch(() => undefined);
  await c?.call('shutdown', {}).catch(() => undefined);
  c?.dispose();
  await rm(dir, { recursive: true, force: true });
});

test('the Python quickstart pushes and discovers a graph', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const code = snippet(readme, 'python').replaceAll('localhost:5000/net-monitor', `${reg.host}/readme-py`);
  await writeFile(join(dir, 'quickstart.py'), code);
  const { stdout } = await run('python3', ['quickstart.py'], { cwd: dir, env });
  assert.match(stdout, /\('sbom\/example', 'sha256:[a-f0-9]{64}', 1\)/);
});

test('the TypeScript program compiles against orasd/client and runs', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const code = snippet(readme, 'ts').replaceAll('localhost:5000/net-monitor', `${reg.host}/readme-ts`);
  const proj = join(dir, 'ts');
  await mkdir(join(proj, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(proj, 'node_modules', 'orasd'));
  await writeFile(join(proj, 'main.ts'), code);
  await writeFile(join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', strict: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] } }));
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', proj], { cwd: proj });
  const { stdout } = await run(process.execPath, [join(proj, 'main.js')], { cwd: dir, env });
  assert.match(stdout, /sbom\/example sha256:[a-f0-9]{64}/);
  assert.match(stdout, /\d+\/\d+ bytes/);
});
