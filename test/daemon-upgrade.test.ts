/**
 * Upgrades take: a daemon of the same version but another build (a rebuild, a reinstall) is
 * replaced by the first client of the current build, once its in-flight work has finished; its
 * other clients carry on with the new daemon without failing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OrasdClient } from '../clients/typescript';
import { buildId } from '../protocol/build';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN, stopDaemonAt } from './support/daemon';
import { pidAlive } from '../src/server/pid-alive';

let reg: RunningRegistry;
let dir: string;
let socketPath: string;
const daemonCommand = [process.execPath, MAIN];
const SHELL = join(__dirname, '..', '..', 'clients', 'shell');
/** The `oras` launchers that read the build from dist/build-id (the C one only where it was compiled). */
const LAUNCHERS: Record<string, string[]> = {
  'C launcher': [join(SHELL, '.bin', 'oras-launcher')],
  'Python launcher': ['python3', '-S', join(SHELL, 'oras_launcher.py')],
};
/** Sockets of the launcher cases, each its own daemon (shut down in after()). */
const sockets: string[] = [];

before(async () => {
  reg = (await getSharedRegistries()).refreg;
  dir = await mkdtemp(join(tmpdir(), 'orasd-upgrade-'));
  await mkdir(join(dir, 'run'), { mode: 0o700 });
  socketPath = join(dir, 'run', 'orasd.sock');
  await writeFile(join(dir, 'big.bin'), randomBytes(48 * 1024 * 1024));
});
after(async () => {
  for (const path of [socketPath, ...sockets]) {
    await stopDaemonAt(path, { replaceOutdated: false });
  }
  await rm(dir, { recursive: true, force: true });
});


test('a client of the current build replaces a daemon of another build after its push finishes; the pusher carries on', async () => {
  // The "old build": the same code told to call itself something else, started by a client that
  // does not ask for its own build (as `orasd daemon status` does not).
  const old = await OrasdClient.connect({ socketPath, daemonCommand, replaceOutdated: false, env: { ...process.env, ORASD_BUILD_ID: 'old-build' } });
  try {
    const before = await old.status();
    assert.equal(before.build, 'old-build');
    let upgraded: Promise<OrasdClient> | undefined;
    const ref = `${reg.host}/upgrade/drained:v1`;
    const pushed = await old.push(
      { reference: ref, cwd: dir, files: [{ path: 'big.bin' }] },
      // Mid-push, a client of the current build arrives.
      { onProgress: () => void (upgraded ??= OrasdClient.connect({ socketPath, daemonCommand })) },
    );
    assert.ok(upgraded, 'no progress before the push finished');
    const current = await upgraded;
    try {
      const now = await current.status();
      assert.equal(now.build, buildId());
      assert.notEqual(now.pid, before.pid);
      // The old daemon's client goes on without an error, whichever daemon answers, and once the
      // old one has drained and exited, it is served by the new one.
      assert.equal((await old.resolve({ reference: ref })).digest, pushed.digest);
      while (pidAlive(before.pid)) {
        assert.equal((await old.resolve({ reference: ref })).digest, pushed.digest);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal((await old.status()).pid, now.pid);
    } finally {
      current.dispose();
    }
  } finally {
    old.dispose();
  }
});

test('a client of the same build leaves the daemon alone', async () => {
  const a = await OrasdClient.connect({ socketPath, daemonCommand });
  const b = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    assert.equal((await a.status()).pid, (await b.status()).pid);
  } finally {
    a.dispose();
    b.dispose();
  }
});

function runLauncher(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

for (const [name, launcher] of Object.entries(LAUNCHERS)) {
  test(`the ${name} replaces a daemon of another build after its push finishes; the pusher carries on`, async (t) => {
    if (!existsSync(launcher[launcher.length - 1])) return t.skip(`no ${launcher[0]} (no C compiler)`);
    const path = join(dir, 'run', `${name.split(' ')[0]}.sock`);
    sockets.push(path);
    const old = await OrasdClient.connect({ socketPath: path, daemonCommand, replaceOutdated: false, env: { ...process.env, ORASD_BUILD_ID: 'old-build' } });
    try {
      const before = await old.status();
      assert.equal(before.build, 'old-build');
      // The user's shell: it names the socket and the daemon to start, not a build.
      const env: NodeJS.ProcessEnv = { ...process.env, ORASD_SOCKET: path, ORASD_BIN: MAIN };
      delete env.ORASD_BUILD_ID;
      let ran: ReturnType<typeof runLauncher> | undefined;
      const ref = `${reg.host}/upgrade/${name.split(' ')[0].toLowerCase()}:v1`;
      const pushed = await old.push(
        { reference: ref, cwd: dir, files: [{ path: 'big.bin' }] },
        // Mid-push, `oras version` of the current build runs.
        { onProgress: () => void (ran ??= runLauncher([...launcher, 'version'], env)) },
      );
      assert.ok(ran, 'no progress before the push finished');
      const r = await ran;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Version:/m);
      const current = await OrasdClient.connect({ socketPath: path, autoSpawn: false, replaceOutdated: false });
      try {
        const now = await current.status();
        assert.equal(now.build, buildId(), 'the daemon on the socket is of the current build');
        assert.notEqual(now.pid, before.pid);
        // The push went through on the old daemon, and its client carries on.
        assert.equal((await old.resolve({ reference: ref })).digest, pushed.digest);
        assert.equal((await current.resolve({ reference: ref })).digest, pushed.digest);
      } finally {
        current.dispose();
      }
    } finally {
      old.dispose();
    }
  });
}

test('a daemon keeps the build it started with when a rebuild rewrites dist/build-id under it', async () => {
  // A copy of dist inside the repository (its node_modules resolve), rebuilt under its daemon.
  const base = join(__dirname, '..', '..', 'test', '.tmp');
  mkdirSync(base, { recursive: true });
  const copy = join(mkdtempSync(join(base, 'build-pin-')), 'dist');
  const path = join(dir, 'run', 'pin.sock');
  try {
    cpSync(join(__dirname, '..'), copy, { recursive: true, filter: (src) => !src.startsWith(join(__dirname, '..', 'test')) });
    writeFileSync(join(copy, 'build-id'), 'built-first\n');
    const env: NodeJS.ProcessEnv = { ...process.env, ORASD_SOCKET: path };
    delete env.ORASD_BUILD_ID;
    const child = spawn(process.execPath, [join(copy, 'src', 'main.js'), 'serve', '--socket', path], { env, stdio: 'ignore' });
    try {
      while (!existsSync(path)) {
        assert.equal(child.exitCode, null, 'the copied daemon exited before it listened');
        await new Promise((r) => setTimeout(r, 10));
      }
      writeFileSync(join(copy, 'build-id'), 'built-second\n');
      const c = await OrasdClient.connect({ socketPath: path, autoSpawn: false, replaceOutdated: false });
      try {
        assert.equal((await c.status()).build, 'built-first');
      } finally {
        await c.call('shutdown', {}).catch(() => undefined);
        c.dispose();
      }
    } finally {
      child.kill();
    }
  } finally {
    rmSync(join(copy, '..'), { recursive: true, force: true });
  }
});
