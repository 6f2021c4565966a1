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
import { ensureTools, getSharedRegistries, oras, type RunningRegistry } from './registries/harness';
import { tree } from './support/files';
import { MAIN, stopDaemonAt } from './support/daemon';

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
  await stopDaemonAt(env.ORASD_SOCKET);
  await rm(dir, { recursive: true, force: true });
});

test('the Python quickstart pushes and discovers a graph', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const code = snippet(readme, 'python').replaceAll('localhost:5000/net-monitor', `${reg.host}/readme-py`);
  await writeFile(join(dir, 'quickstart.py'), code);
  const { stdout } = await run('python3', ['quickstart.py'], { cwd: dir, env });
  assert.match(stdout, /\('sbom\/example', 'sha256:[a-f0-9]{64}', 1\)/);
});

test('a socket and json (no client package) push a folder and pull it back; oras pulls it too', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const work = join(dir, 'raw');
  await mkdir(join(work, 'docs', 'nested'), { recursive: true });
  await writeFile(join(work, 'docs', 'a.md'), 'alpha');
  await writeFile(join(work, 'docs', 'nested', 'b.md'), 'beta');
  const code = snippet(readme, 'py')
    .replaceAll('localhost:5000/demo/docs', `${reg.host}/readme-raw/docs`)
    .replaceAll('/home/me/work', work)
    .replaceAll('/home/me/restored', join(dir, 'restored'));
  await writeFile(join(dir, 'raw.py'), code);
  const { stdout } = await run('python3', [join(dir, 'raw.py')], { cwd: ROOT, env });
  const [pushed, pulled] = stdout.trim().split('\n').map((l) => eval(`(${l.replaceAll('True', 'true').replaceAll('False', 'false').replaceAll('None', 'null')})`));
  assert.match(pushed.result.digest, /^sha256:/, stdout);
  assert.equal(pulled.result.digest, pushed.result.digest);
  assert.deepEqual(await tree(join(dir, 'restored')), await tree(work));
  const tools = await ensureTools();
  const viaOras = join(dir, 'via-oras');
  const r = await oras(tools, ['pull', '--plain-http', '-o', viaOras, `${reg.host}/readme-raw/docs:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await tree(viaOras), await tree(work));
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
