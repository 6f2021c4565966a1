/** `orasd cache list|clear` and the cache/list, cache/clear methods, against a real registry. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { CacheListResult, StatusResult } from '../protocol';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN, startDaemon, type TestDaemon } from './support/daemon';

const run = promisify(execFile);
let d: TestDaemon;
let reg: RunningRegistry;
let ws: string;

before(async () => {
  const [regs, daemon] = await Promise.all([getSharedRegistries(), startDaemon()]);
  reg = regs.distribution;
  d = daemon;
  ws = await mkdtemp(join(tmpdir(), 'orasd-cache-ws-'));
  await writeFile(join(ws, 'a.txt'), 'cached bytes');
});
after(async () => {
  await d.stop();
  await rm(ws, { recursive: true, force: true });
});

const orasd = async (...args: string[]) => (await run(process.execPath, [MAIN, ...args], { env: d.env })).stdout;

test('after a push and a discover the list names the repository; clear empties it and the next resolve asks the registry', async () => {
  const c = await d.client();
  const repository = `cache/r-${randomBytes(4).toString('hex')}`;
  const ref = `${reg.host}/${repository}:v1`;
  const pushed = await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }] });
  await c.discover({ reference: ref });

  const list = JSON.parse(await orasd('cache', 'list')) as CacheListResult;
  const mine = <E extends { registry: string; repository: string }>(es: E[]) => es.find((e) => e.registry === reg.host && e.repository === repository);
  assert.ok(mine(list.manifests.repositories)!.entries >= 1, JSON.stringify(list.manifests));
  assert.ok(mine(list.manifests.repositories)!.bytes > 0);
  assert.deepEqual(mine(list.tags.repositories)!.tags, ['v1']);
  assert.ok(mine(list.knownBlobs.repositories)!.entries >= 2, 'the layer and the config');
  // Nothing of the caller identity (origin, credential hash) leaks into the listing.
  assert.doesNotMatch(JSON.stringify(list), /#|http:\/\//);
  const text = await orasd('cache', '--format', 'text');
  assert.match(text, new RegExp(`\\n  ${reg.host}/${repository}  v1\\n`));

  // A digest is served from the manifest cache: no request to the registry.
  const byDigest = `${reg.host}/${repository}@${pushed.digest}`;
  await c.resolve({ reference: byDigest });
  const warm = (await c.status()).http.requests;
  await c.resolve({ reference: byDigest });
  assert.equal((await c.status()).http.requests, warm);

  // Only the tags: the manifests stay.
  const tagsOnly = JSON.parse(await orasd('cache', 'clear', '--tags')) as Record<string, number>;
  assert.ok(tagsOnly.tags! >= 1);
  assert.equal(tagsOnly.manifests, 0);
  let s: StatusResult = await c.status();
  assert.equal(s.caches.tags.entries, 0);
  assert.ok(s.caches.manifests.entries >= 1);

  const cleared = JSON.parse(await orasd('cache', 'clear')) as Record<string, number>;
  assert.ok(cleared.manifests! >= 1 && cleared.knownBlobs! >= 2, JSON.stringify(cleared));
  s = await c.status();
  assert.deepEqual([s.caches.manifests.entries, s.caches.tags.entries, s.caches.tokens.entries, s.caches.knownBlobs.entries], [0, 0, 0, 0]);
  const before = s.http.requests;
  const again = await c.resolve({ reference: byDigest });
  assert.equal(again.digest, pushed.digest);
  assert.ok((await c.status()).http.requests > before, 'the resolve after clear went to the registry');
  assert.equal(d.proc.exitCode, null, 'the daemon keeps running');
});

test('bad arguments are refused with usage; --help explains', async () => {
  await assert.rejects(orasd('cache', 'clear', '--everything'), (e: { code: number; stderr: string }) => e.code === 2 && /unknown argument --everything/.test(e.stderr));
  await assert.rejects(orasd('cache', '--format', 'xml'), (e: { code: number; stderr: string }) => e.code === 2 && /json or text/.test(e.stderr));
  assert.match(await orasd('cache', '--help'), /^Usage: orasd cache/);
});
