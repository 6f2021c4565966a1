/**
 * Upgrades take: a daemon of the same version but another build (a rebuild, a reinstall) is
 * replaced by the first client of the current build, once its in-flight work has finished; its
 * other clients carry on with the new daemon without failing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OrasdClient } from '../clients/typescript';
import { buildId } from '../protocol/build';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN } from './support/daemon';

let reg: RunningRegistry;
let dir: string;
let socketPath: string;
const daemonCommand = [process.execPath, MAIN];

before(async () => {
  reg = (await getSharedRegistries()).refreg;
  dir = await mkdtemp(join(tmpdir(), 'orasd-upgrade-'));
  await mkdir(join(dir, 'run'), { mode: 0o700 });
  socketPath = join(dir, 'run', 'orasd.sock');
  await writeFile(join(dir, 'big.bin'), randomBytes(48 * 1024 * 1024));
});
after(async () => {
  const c = await OrasdClient.connect({ socketPath, autoSpawn: false, replaceOutdated: false }).catch(() => undefined);
  await c?.call('shutdown', {}).catch(() => undefined);
  c?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
      while (alive(before.pid)) {
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
