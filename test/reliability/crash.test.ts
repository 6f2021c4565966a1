/**
 * kill -9 of the daemon in the middle of a push, a pull, a blob download, a copy and a copy into an OCI layout. Afterwards the
 * registry holds no manifest whose content is missing, the output folder no half-written file,
 * and the next client starts a fresh daemon on the stale socket by itself; that daemon removes
 * the temporaries its predecessor could not (the journal in its private state folder).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OrasdClient } from '../../clients/typescript/client';
import { startFaultProxy, type FaultProxy } from '../registries/fault-proxy';
import { getSharedRegistries, type RunningRegistry } from '../registries/harness';
import { TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { danglingTags, getManifest } from './support/registry-check';
import { pidAlive, startQuickDaemon, waitFor, type ReliabilityDaemon } from './support/daemon';
import { files, listTree, temporaries } from './support/tree';

let dist: RunningRegistry;
let refreg: RunningRegistry;
let pDist: FaultProxy;
let pRef: FaultProxy;
let ws: string;
const figures = { crashes: 0, restartsBySuccessor: 0, temporariesLeft: 0, temporariesRemoved: 0, danglingManifests: 0, halfWrittenFiles: 0 };
const started: number[] = [];

before(async () => {
  ({ distribution: dist, refreg } = await getSharedRegistries());
  [pDist, pRef] = await Promise.all([startFaultProxy(dist.url), startFaultProxy(refreg.url)]);
  ws = await mkdtemp(join(tmpdir(), 'orasd-rel-crash-'));
  await mkdir(join(ws, 'dir'));
  await writeFile(join(ws, 'dir', 'a.txt'), 'a\n');
  await writeFile(join(ws, 'small.txt'), 'small\n');
});

after(async () => {
  for (const pid of started) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  await Promise.all([pDist.stop(), pRef.stop()]);
  await rm(ws, { recursive: true, force: true });
  recordFigures('crash', 'test/reliability/crash.test.ts', figures);
});

/**
 * Kills the daemon with SIGKILL, then connects the way any client does: a new daemon starts on
 * the stale socket. The dead daemon's client is disposed as an application would.
 */
async function crashAndReconnect(d: ReliabilityDaemon, old: OrasdClient): Promise<OrasdClient> {
  const exited = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill('SIGKILL');
  await exited;
  old.dispose();
  figures.crashes++;
  const c = await OrasdClient.connect({
    socketPath: d.socketPath,
    env: { ...d.env, TMPDIR: d.tmp },
    serveArgs: ['--idle-timeout', '60', '--log-file', join(d.dir, 'successor.log'), '--log-level', 'debug'],
  });
  const s = await c.status();
  assert.notEqual(s.pid, d.proc.pid, 'a new daemon answers');
  started.push(s.pid);
  figures.restartsBySuccessor++;
  return c;
}

async function stopSuccessor(c: OrasdClient, d: ReliabilityDaemon): Promise<void> {
  const pid = (await c.status()).pid;
  c.dispose();
  process.kill(pid, 'SIGTERM');
  await waitFor('the successor to exit', () => !pidAlive(pid));
  await d.stop();
  await rm(d.tmp, { recursive: true, force: true });
}

async function bigFile(name: string, mib: number): Promise<string> {
  const data = randomBytes(mib * 1024 * 1024);
  await writeFile(join(ws, name), data);
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

test('kill -9 during a push: no manifest without its blobs, the scratch folder is cleaned by the successor', { timeout: TEST_TIMEOUT_MS }, async () => {
  const d = await startQuickDaemon();
  const c = await d.client();
  const repo = `rel/crash/push-${randomBytes(3).toString('hex')}`;
  await bigFile('push.bin', 24);
  // The big upload is swallowed and never answered: the push is surely mid-way when the kill comes.
  const rule = pRef.addRule({ method: 'PUT', path: new RegExp(`^/v2/${repo}/blobs/uploads/`), when: (q) => Number(q.headers['content-length']) > 1e6, fault: { kind: 'stall-headers' } });
  const push = c.push({ reference: `${pRef.host}/${repo}:v1`, cwd: ws, files: [{ path: 'small.txt' }, { path: 'push.bin' }, { path: 'dir' }] }).catch(() => undefined);
  await waitFor('the upload to start', () => rule.matched > 0);
  const left = (await readdir(d.tmp)).filter((n) => n.startsWith('orasd-pack-'));
  assert.equal(left.length, 1, 'the push has its scratch folder');
  const successor = await crashAndReconnect(d, c);
  await push;
  pRef.removeRule(rule);
  figures.temporariesLeft += left.length;
  // The successor cleans up in the background once it serves (a big leftover must not delay it).
  await waitFor('the successor to remove the scratch folder', async () => (await readdir(d.tmp)).length === 0);
  figures.temporariesRemoved += left.length;
  assert.equal(await getManifest({ url: refreg.url }, repo, 'v1'), undefined, 'no manifest was pushed');
  const dangling = await danglingTags({ url: refreg.url }, repo);
  figures.danglingManifests += Object.keys(dangling).length;
  assert.deepEqual(dangling, {});
  // The successor serves: the same push now completes.
  await successor.push({ reference: `${pRef.host}/${repo}:v1`, cwd: ws, files: [{ path: 'small.txt' }, { path: 'push.bin' }, { path: 'dir' }] });
  await stopSuccessor(successor, d);
});

for (const what of ['pull', 'blob/fetch'] as const) {
  test(`kill -9 during a ${what}: no half-written file survives the successor`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const d = await startQuickDaemon();
    const c = await d.client();
    const repo = `rel/crash/${what.replace('/', '-')}-${randomBytes(3).toString('hex')}`;
    const digest = await bigFile('pull.bin', 8);
    await c.push({ reference: `${dist.host}/${repo}:v1`, cwd: ws, files: [{ path: 'small.txt' }, { path: 'pull.bin' }, { path: 'dir' }] });
    const out = join(ws, `out-${randomBytes(3).toString('hex')}`);
    await mkdir(out);
    const rule = pDist.addRule({ method: 'GET', path: new RegExp(`/blobs/${digest}$`), fault: { kind: 'stall-body', after: 3 * 1024 * 1024 } });
    const op =
      what === 'pull'
        ? c.pull({ reference: `${pDist.host}/${repo}:v1`, output: out })
        : c.call('blob/fetch', { reference: `${pDist.host}/${repo}@${digest}`, output: join(out, 'pull.bin') });
    void op.catch(() => undefined);
    await waitFor('a partial file on disk', async () => (await temporaries(out)).length > 0 && rule.injected > 0);
    const partial = await temporaries(out);
    const successor = await crashAndReconnect(d, c);
    pDist.removeRule(rule);
    figures.temporariesLeft += partial.length;
    await waitFor('the successor to remove the partial file', async () => (await files(out)).length === 0);
    const after = await files(out);
    figures.halfWrittenFiles += after.length;
    assert.deepEqual(after, [], `left in the output folder: ${after.join(', ')}`);
    figures.temporariesRemoved += partial.length;
    const again = what === 'pull' ? await successor.pull({ reference: `${pDist.host}/${repo}:v1`, output: out }) : undefined;
    if (again) assert.equal(again.files.length, 3);
    await stopSuccessor(successor, d);
    await rm(out, { recursive: true, force: true });
  });
}

test('kill -9 during a copy: the destination holds no manifest without its blobs', { timeout: TEST_TIMEOUT_MS }, async () => {
  const d = await startQuickDaemon();
  const c = await d.client();
  const repo = `rel/crash/copy-${randomBytes(3).toString('hex')}`;
  const digest = await bigFile('copy.bin', 8);
  await c.push({ reference: `${dist.host}/${repo}:v1`, cwd: ws, files: [{ path: 'small.txt' }, { path: 'copy.bin' }] });
  const rule = pDist.addRule({ method: 'GET', path: new RegExp(`/blobs/${digest}$`), fault: { kind: 'stall-body', after: 2 * 1024 * 1024 } });
  const dst = `${repo}-copy`;
  void c.copy({ source: `${pDist.host}/${repo}:v1`, destination: `${refreg.host}/${dst}:v1` }).catch(() => undefined);
  await waitFor('the copy to be mid-blob', () => rule.injected > 0);
  const successor = await crashAndReconnect(d, c);
  pDist.removeRule(rule);
  assert.equal(await getManifest({ url: refreg.url }, dst, 'v1'), undefined);
  const dangling = await danglingTags({ url: refreg.url }, dst);
  figures.danglingManifests += Object.keys(dangling).length;
  assert.deepEqual(dangling, {});
  await successor.copy({ source: `${dist.host}/${repo}:v1`, destination: `${refreg.host}/${dst}:v1` });
  assert.deepEqual(await danglingTags({ url: refreg.url }, dst), {});
  await stopSuccessor(successor, d);
});

test('kill -9 during a copy into an OCI layout: the successor removes the blob being written, the layout stays whole', { timeout: TEST_TIMEOUT_MS }, async () => {
  const d = await startQuickDaemon();
  const c = await d.client();
  const repo = `rel/crash/to-layout-${randomBytes(3).toString('hex')}`;
  const digest = await bigFile('layout.bin', 8);
  await c.push({ reference: `${dist.host}/${repo}:v1`, cwd: ws, files: [{ path: 'small.txt' }, { path: 'layout.bin' }] });
  const layout = join(ws, `layout-${randomBytes(3).toString('hex')}`);
  const rule = pDist.addRule({ method: 'GET', path: new RegExp(`/blobs/${digest}$`), fault: { kind: 'stall-body', after: 2 * 1024 * 1024 } });
  void c.copy({ source: `${pDist.host}/${repo}:v1`, destination: `${layout}:v1`, toOciLayout: true }).catch(() => undefined);
  await waitFor('a blob being written into the layout', async () => (await temporaries(layout)).length > 0 && rule.injected > 0);
  const partial = await temporaries(layout);
  const successor = await crashAndReconnect(d, c);
  pDist.removeRule(rule);
  figures.temporariesLeft += partial.length;
  await waitFor('the successor to remove the temporaries in the layout', async () => (await temporaries(layout)).length === 0);
  figures.temporariesRemoved += partial.length;
  // No manifest landed, so no tag: the layout has an empty index and only whole, verified blobs.
  await assert.rejects(successor.resolve({ reference: `${layout}:v1`, ociLayout: true }), (e: { codeName?: string }) => e.codeName === 'MANIFEST_UNKNOWN');
  const blobs = await readdir(join(layout, 'blobs', 'sha256'));
  figures.halfWrittenFiles += blobs.filter((b) => b === digest.slice('sha256:'.length)).length;
  assert.ok(!blobs.includes(digest.slice('sha256:'.length)), 'the interrupted blob is not in the layout');
  const copied = await successor.copy({ source: `${dist.host}/${repo}:v1`, destination: `${layout}:v1`, toOciLayout: true });
  assert.equal((await successor.resolve({ reference: `${layout}:v1`, ociLayout: true })).digest, copied.digest);
  await stopSuccessor(successor, d);
});

test('a daemon ended by SIGTERM mid-pull finishes or cancels it, and leaves no partial file', { timeout: TEST_TIMEOUT_MS }, async () => {
  const d = await startQuickDaemon();
  const c = await d.client();
  const repo = `rel/crash/term-${randomBytes(3).toString('hex')}`;
  const digest = await bigFile('term.bin', 8);
  await c.push({ reference: `${dist.host}/${repo}:v1`, cwd: ws, files: [{ path: 'term.bin' }] });
  const out = join(ws, `out-${randomBytes(3).toString('hex')}`);
  await mkdir(out);
  const rule = pDist.addRule({ method: 'GET', path: new RegExp(`/blobs/${digest}$`), times: 1, fault: { kind: 'stall-body', after: 1024 * 1024 } });
  const pulled = c.pull({ reference: `${pDist.host}/${repo}:v1`, output: out }).then(
    () => 'done',
    () => 'failed',
  );
  await waitFor('a partial file on disk', async () => (await temporaries(out)).length > 0 && rule.injected > 0);
  const exited = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill('SIGTERM');
  await exited;
  pDist.removeRule(rule);
  const left = await listTree(out);
  // In-flight work may finish during a graceful stop: then the file is whole; else there is none.
  if ((await pulled) === 'done') assert.deepEqual(left.map((e) => `${e.path}:${e.size}`), [`term.bin:${8 * 1024 * 1024}`]);
  else assert.deepEqual(left, []);
  await d.stop();
  await rm(d.tmp, { recursive: true, force: true });
});

test('a request in flight when the daemon dies is rejected, not left pending', { timeout: TEST_TIMEOUT_MS }, async () => {
  const d = await startQuickDaemon();
  const c = await d.client();
  const repo = `rel/crash/pending-${randomBytes(3).toString('hex')}`;
  const rule = pRef.addRule({ method: 'HEAD', path: new RegExp(`^/v2/${repo}/`), fault: { kind: 'stall-headers' } });
  const pending = c.resolve({ reference: `${pRef.host}/${repo}:v1` }).then(
    () => 'answered',
    () => 'rejected',
  );
  await waitFor('the request to reach the registry', () => rule.matched > 0);
  d.proc.kill('SIGKILL');
  const settled = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still pending after 5 s'), 5_000))]);
  pRef.removeRule(rule);
  c.dispose();
  await d.stop();
  assert.equal(settled, 'rejected');
});
