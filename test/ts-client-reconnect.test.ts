/** The TypeScript client outlives its daemon: reads and unsent requests reach a new daemon, lost writes are INTERRUPTED. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrasdClient, OrasdRequestError } from '../clients/typescript';
import { ErrorCodes } from '../protocol/errors';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN, stopDaemonAt } from './support/daemon';
import { pidAlive } from '../src/server/pid-alive';

let reg: RunningRegistry;
let dir: string;
let socketPath: string;
const daemonCommand = [process.execPath, MAIN];

before(async () => {
  reg = (await getSharedRegistries()).refreg;
  dir = await mkdtemp(join(tmpdir(), 'orasd-ts-reconnect-'));
  socketPath = join(dir, 'run', 'orasd.sock');
  await writeFile(join(dir, 'small.txt'), 'small');
  await writeFile(join(dir, 'big.bin'), randomBytes(48 * 1024 * 1024));
});
after(async () => {
  await stopDaemonAt(socketPath);
  await rm(dir, { recursive: true, force: true });
});


/** SIGKILL, then wait until the process is gone (the daemon is detached, so nobody reaps it but init). */
async function kill(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  while (pidAlive(pid)) await sleep(20);
}

test('after SIGKILL, a read goes to a new daemon, and so does a request the old one never got', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    const ref = `${reg.host}/ts-client/reconnect:v1`;
    const pushed = await c.push({ reference: ref, cwd: dir, files: [{ path: 'small.txt' }] });
    const first = (await c.status()).pid;
    const closed = once(c, 'close');
    await kill(first);
    await closed;
    assert.equal((await c.resolve({ reference: ref })).digest, pushed.digest);
    const second = (await c.status()).pid;
    assert.notEqual(second, first);

    const lost = once(c, 'close');
    await kill(second);
    await lost; // the push below is refused before anything is written
    const again = await c.push({ reference: `${reg.host}/ts-client/reconnect:v2`, cwd: dir, files: [{ path: 'small.txt' }] });
    assert.equal((await c.resolve({ reference: `${reg.host}/ts-client/reconnect:v2` })).digest, again.digest);
    assert.notEqual((await c.status()).pid, second);
  } finally {
    c.dispose();
  }
});

test('a push in flight when the daemon dies fails with INTERRUPTED and is not repeated', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    const first = (await c.status()).pid;
    let killing: Promise<void> | undefined;
    const push = c.push(
      { reference: `${reg.host}/ts-client/reconnect:big`, cwd: dir, files: [{ path: 'big.bin' }] },
      { onProgress: () => void (killing ??= kill(first)) }, // mid-push: that is when it dies
    );
    await assert.rejects(push, (e: unknown) => {
      assert.ok(e instanceof OrasdRequestError, String(e));
      assert.equal(e.code, ErrorCodes.Interrupted);
      assert.equal(e.codeName, 'INTERRUPTED');
      assert.match(e.message, /push: .*not sent again/);
      return true;
    });
    assert.ok(killing, 'the daemon reported no progress before answering');
    await killing;
    const status = await c.status();
    assert.notEqual(status.pid, first);
    assert.equal(status.requests.byMethod['push'], undefined, 'the new daemon never saw the push');
  } finally {
    c.dispose();
  }
});

test('a disposed client does not reconnect', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  c.dispose();
  await assert.rejects(c.status());
});
