/** The TypeScript client (orasd/client) as an editor plugin uses it. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { OrasdClient, OrasdRequestError, type ProgressValue } from '../clients/typescript';
import { ErrorCodes } from '../protocol/errors';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN, stopDaemonAt } from './support/daemon';

let reg: RunningRegistry;
let dir: string;
let socketPath: string;
const daemonCommand = [process.execPath, MAIN];

before(async () => {
  reg = (await getSharedRegistries()).refreg;
  dir = await mkdtemp(join(tmpdir(), 'orasd-ts-client-'));
  socketPath = join(dir, 'run', 'orasd.sock');
  await writeFile(join(dir, 'small.txt'), 'small');
  await writeFile(join(dir, 'big.bin'), randomBytes(24 * 1024 * 1024));
});
after(async () => {
  await stopDaemonAt(socketPath);
  await rm(dir, { recursive: true, force: true });
});

test('connect starts the daemon when none runs, and typed calls come back typed', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand, clientName: 'test-plugin' });
  try {
    const ref = `${reg.host}/ts-client/typed:v1`;
    const pushed = await c.push({ reference: ref, cwd: dir, files: [{ path: 'small.txt' }] });
    const resolved = await c.resolve({ reference: ref });
    assert.equal(resolved.digest, pushed.digest);
    const graph = await c.discover({ reference: ref });
    assert.deepEqual(graph.referrers, []);
    assert.equal((await c.status()).socket, socketPath);
  } finally {
    c.dispose();
  }
});

test('progress arrives as callbacks and as events', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    const seen: ProgressValue[] = [];
    const events: unknown[] = [];
    c.on('progress', (_token, v) => events.push(v));
    await c.push({ reference: `${reg.host}/ts-client/progress:v1`, cwd: dir, files: [{ path: 'big.bin' }] }, { onProgress: (v) => seen.push(v) });
    const blob = seen.filter((v) => v.kind === 'blob' && v.title === 'big.bin');
    assert.ok(blob.some((v) => v.kind === 'blob' && v.state === 'done' && v.done === 24 * 1024 * 1024));
    const last = seen.filter((v) => v.kind === 'operation').at(-1);
    assert.ok(last && last.kind === 'operation' && last.doneBlobs === last.totalBlobs);
    assert.equal(events.length, seen.length);
  } finally {
    c.dispose();
  }
});

test('a large file shows hashing progress before its digest exists, and the digest is the file\'s', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    // New content: the hashing, not a cache, is what is watched.
    const bytes = randomBytes(24 * 1024 * 1024);
    await writeFile(join(dir, 'hashed.bin'), bytes);
    const seen: ProgressValue[] = [];
    const pushed = await c.push({ reference: `${reg.host}/ts-client/hashing:v1`, cwd: dir, files: [{ path: 'hashed.bin' }] }, { onProgress: (v) => seen.push(v) });
    const hashing = seen.filter((v) => v.kind === 'hashing');
    assert.ok(hashing.length >= 1, 'hashing progress was reported');
    for (const v of hashing) assert.ok(v.kind === 'hashing' && v.path === 'hashed.bin' && v.operation === 'push' && v.total === bytes.length);
    const dones = hashing.map((v) => (v.kind === 'hashing' ? v.done : -1));
    assert.deepEqual(dones, [...dones].sort((a, b) => a - b), 'hashing progress only grows');
    assert.equal(dones.at(-1), bytes.length, 'the last hashing event says the whole file was read');
    const firstBlob = seen.findIndex((v) => v.kind === 'blob' && v.title === 'hashed.bin');
    assert.ok(firstBlob > seen.lastIndexOf(hashing.at(-1)!), 'hashing ends before the blob is transferred');
    assert.equal(pushed.layers[0]!.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  } finally {
    c.dispose();
  }
});

test('cancellation by AbortSignal and by CancellationToken answers REQUEST_CANCELLED', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    // Fresh content each time: a blob the registry already has would make the push too quick to cancel.
    await writeFile(join(dir, 'c1.bin'), randomBytes(48 * 1024 * 1024));
    await writeFile(join(dir, 'c2.bin'), randomBytes(48 * 1024 * 1024));
    const ctrl = new AbortController();
    const p1 = c.push({ reference: `${reg.host}/ts-client/cancel:a`, cwd: dir, files: [{ path: 'c1.bin' }] }, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 50);
    await assert.rejects(p1, (e: unknown) => e instanceof OrasdRequestError && e.code === ErrorCodes.RequestCancelled);
    const source = new CancellationTokenSource();
    const p2 = c.push({ reference: `${reg.host}/ts-client/cancel:b`, cwd: dir, files: [{ path: 'c2.bin' }] }, { token: source.token });
    setTimeout(() => source.cancel(), 50);
    await assert.rejects(p2, (e: unknown) => e instanceof OrasdRequestError && e.codeName === 'REQUEST_CANCELLED');
  } finally {
    c.dispose();
  }
});

test('errors carry code, symbolic name and the reference', async () => {
  const c = await OrasdClient.connect({ socketPath, daemonCommand });
  try {
    await assert.rejects(c.resolve({ reference: `${reg.host}/ts-client/none:v1` }), (e: unknown) => {
      assert.ok(e instanceof OrasdRequestError);
      assert.equal(e.codeName, 'MANIFEST_UNKNOWN');
      assert.equal(e.data?.reference, `${reg.host}/ts-client/none:v1`);
      return true;
    });
  } finally {
    c.dispose();
  }
});

test('a private daemon over stdio', async () => {
  const c = await OrasdClient.spawnStdio({ daemonCommand });
  try {
    const r = await c.push({ reference: `${reg.host}/ts-client/stdio:v1`, cwd: dir, files: [{ path: 'small.txt' }] });
    assert.match(r.digest, /^sha256:/);
  } finally {
    c.dispose();
  }
});
