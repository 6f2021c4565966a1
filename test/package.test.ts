/**
 * The npm package as a user gets it: `npm pack` ships only what runs, a global install puts a
 * working `orasd` (and, by the README's one-liner, the `oras` shim) on PATH, and the TypeScript
 * client compiles under every moduleResolution an editor extension or program may use.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let dir: string;
let tarball: string;
let files: string[];
let prefix: string;
let installed: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orasd-package-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 << 20 });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, packed!.filename);
  files = packed!.files.map((f) => f.path);
  prefix = join(dir, 'prefix');
  // Dependencies come from npm's cache when it has them (no registry needed after `npm ci`).
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: dir, maxBuffer: 64 << 20 });
  installed = join(prefix, 'lib', 'node_modules', 'orasd');
  // A daemon of the installed package on a socket of this test only, never the user's.
  await mkdir(join(dir, 'run'), { mode: 0o700 });
  env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, ORASD_SOCKET: join(dir, 'run', 'orasd.sock'), npm_config_prefix: prefix };
  delete env.ORASD_BIN;
});
after(async () => {
  await run('orasd', ['daemon', 'stop'], { env }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

test('npm pack ships the built daemon, clients, launcher sources and schema, and nothing of tests or Go', () => {
  for (const f of ['dist/src/main.js', 'dist/build-id', 'dist/clients/typescript/index.js', 'dist/clients/typescript/index.d.ts', 'dist/protocol/index.d.ts', 'clients/shell/oras', 'clients/shell/launcher.c', 'clients/shell/oras_launcher.py', 'protocol/schema.json', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} is missing from the package`);
  }
  const stray = files.filter((f) => /^(test|dist\/test|src|clients\/python|\.ci)\//.test(f) || f.endsWith('.go') || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
  assert.deepEqual(stray, []);
  assert.ok(files.length < 400, `${files.length} files`);
});

test('a global install puts a working orasd on PATH, and the README one-liner the oras shim first', async () => {
  const which = await run('sh', ['-c', 'command -v orasd'], { env });
  assert.equal(which.stdout.trim(), join(prefix, 'bin', 'orasd'));
  const version = await run('orasd', ['version'], { env, cwd: dir });
  assert.match(version.stdout, /Version:/);
  const status = JSON.parse((await run('orasd', ['daemon', 'status', '--format', 'json'], { env })).stdout) as { socket: string; pid: number };
  assert.equal(status.socket, env.ORASD_SOCKET);
  // The README's line, as a user pastes it.
  const oneLiner = /^export PATH="\$\(npm root -g\)\/orasd\/clients\/shell:\$PATH"/m.exec(await readFile(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(oneLiner, 'README.md gives no one-liner that puts the oras shim on PATH');
  const shim = await run('sh', ['-c', `${oneLiner[0]} && command -v oras && oras version`], { env, cwd: dir });
  const [where, ...out] = shim.stdout.split('\n');
  assert.equal(where, join(installed, 'clients', 'shell', 'oras'));
  assert.match(out.join('\n'), /Version:/);
});

const CONSUMER = `import { OrasdClient, ErrorCodes, type ConnectOptions } from 'orasd/client';
import { Methods } from 'orasd/protocol';
const opts: ConnectOptions = { autoSpawn: false };
export async function digestOf(c: OrasdClient, reference: string): Promise<string> {
  // @ts-expect-error the params are typed from the protocol, not any
  await c.resolve({ reference: 1 });
  return (await c.resolve({ reference })).digest;
}
export const names: string[] = [Methods.push.method, String(ErrorCodes.Interrupted), typeof OrasdClient.connect, String(opts.autoSpawn)];
console.log(names.join(' '));
`;

for (const [name, compilerOptions] of [
  // vscode-jsonrpc 10 publishes its types through "exports" only, which node10 resolution cannot
  // read: skipLibCheck (tsc --init's default) lets a consumer compile, with orasd's own types intact.
  ['node10 (module commonjs)', { module: 'commonjs', moduleResolution: 'node10', skipLibCheck: true }],
  ['node16', { module: 'node16', moduleResolution: 'node16' }],
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
] as const) {
  test(`the TypeScript client compiles in a consumer with moduleResolution ${name}`, async () => {
    const consumer = join(dir, `consumer-${compilerOptions.moduleResolution}`);
    await mkdir(join(consumer, 'node_modules'), { recursive: true });
    await symlink(installed, join(consumer, 'node_modules', 'orasd'));
    await writeFile(join(consumer, 'index.ts'), CONSUMER);
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, target: 'ES2022', strict: true, outDir: 'out', types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
        files: ['index.ts'],
      }),
    );
    const tsc = await run(process.execPath, [TSC, '-p', consumer], { cwd: consumer }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    assert.ok(!('failed' in tsc), tsc.stdout);
    if (compilerOptions.module !== 'esnext') {
      const out = await run(process.execPath, [join(consumer, 'out', 'index.js')], { cwd: consumer });
      assert.equal(out.stdout.trim(), 'push 1202 function false');
    }
  });
}
