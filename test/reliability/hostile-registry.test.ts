/**
 * A hostile registry and hostile content: bytes that do not match their digest (the fault proxy
 * rewriting answers), manifests over 4 MiB, manifests that break the image spec, and artifacts
 * whose titles and folder layers try to write outside the output folder — pushed for real, then
 * pulled through the daemon. Each gets a documented error and nothing lands outside the folder.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { OrasdClient, OrasdRequestError } from '../../clients/typescript/client';
import { ErrorCodes } from '../../protocol/errors';
import { startFaultProxy, type FaultProxy } from '../registries/fault-proxy';
import { getSharedRegistries, httpRequest, type RunningRegistry } from '../registries/harness';
import { folderLayer, pushCrafted, sha256, type TarEntry } from './support/crafted';
import { failure, startQuickDaemon, type ReliabilityDaemon } from './support/daemon';
import { TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { danglingTags } from './support/registry-check';
import { files, listTree } from './support/tree';

let daemon: ReliabilityDaemon;
let c: OrasdClient;
let dist: RunningRegistry;
let refreg: RunningRegistry;
let proxy: FaultProxy;
let ws: string;
const figures = { servedMismatches: 0, oversizedManifests: 0, malformedManifests: 0, hostileArchives: 0, hostileTitles: 0, writesOutside: 0, rssPeakMiB: 0 };

before(async () => {
  ({ distribution: dist, refreg } = await getSharedRegistries());
  daemon = await startQuickDaemon();
  c = await daemon.client();
  proxy = await startFaultProxy(dist.url);
  ws = await mkdtemp(join(tmpdir(), 'orasd-rel-hostreg-'));
});

after(async () => {
  figures.rssPeakMiB = Math.max(figures.rssPeakMiB, Math.round((await c.status()).memory.rss / 2 ** 20));
  recordFigures('hostile-registry', 'test/reliability/hostile-registry.test.ts', figures);
  await proxy.stop();
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
  await rm(daemon.tmp, { recursive: true, force: true });
});

const uid = () => randomBytes(4).toString('hex');

/** An output folder inside a sentinel parent: anything written beside `out` escaped it. */
async function outputFolder(): Promise<{ parent: string; out: string; escaped(): Promise<string[]> }> {
  const parent = join(ws, `sentinel-${uid()}`);
  const out = join(parent, 'out');
  await mkdir(out, { recursive: true });
  return {
    parent,
    out,
    escaped: async () => {
      const stray = (await listTree(parent)).filter((e) => e.path !== 'out' && !e.path.startsWith('out/')).map((e) => e.path);
      figures.writesOutside += stray.length;
      return stray;
    },
  };
}

async function pushFixture(repo: string): Promise<{ digest: string; big: Buffer; bigDigest: string }> {
  const big = randomBytes(300 * 1024);
  await writeFile(join(ws, 'big.bin'), big);
  await writeFile(join(ws, 'small.txt'), 'small\n');
  const r = await c.push({ reference: `${dist.host}/${repo}:v1`, cwd: ws, files: [{ path: 'big.bin' }, { path: 'small.txt' }] });
  return { digest: r.digest, big, bigDigest: sha256(big) };
}

describe('content that does not match its digest', () => {
  const rewrites: Array<[string, (b: Buffer) => Buffer]> = [
    ['one byte changed', (b) => Buffer.concat([b.subarray(0, 10), Buffer.from([b[10]! ^ 0x80]), b.subarray(11)])],
    ['other bytes of the same length', (b) => randomBytes(b.length)],
    ['one byte more', (b) => Buffer.concat([b, Buffer.from('x')])],
    ['one byte less', (b) => b.subarray(0, b.length - 1)],
    ['empty', () => Buffer.alloc(0)],
  ];
  for (const [what, body] of rewrites) {
    test(`a blob served with ${what}: pull, blob/fetch and copy refuse it and write nothing`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const repo = `rel/hostile/blob-${uid()}`;
      const fx = await pushFixture(repo);
      const rule = proxy.addRule({ method: 'GET', path: new RegExp(`^/v2/${repo}/blobs/${fx.bigDigest}$`), fault: { kind: 'rewrite', body } });
      const o = await outputFolder();
      const pulled = await failure(c.pull({ reference: `${proxy.host}/${repo}:v1`, output: o.out }));
      assert.equal(pulled.code, ErrorCodes.DigestMismatch, pulled.message);
      const fetched = await failure(c.call('blob/fetch', { reference: `${proxy.host}/${repo}@${fx.bigDigest}`, output: join(o.out, 'b') }));
      assert.equal(fetched.code, ErrorCodes.DigestMismatch, fetched.message);
      const dst = `${repo}-copy`;
      const copied = await failure(c.copy({ source: `${proxy.host}/${repo}:v1`, destination: `${refreg.host}/${dst}:v1` }));
      assert.ok([ErrorCodes.DigestMismatch, ErrorCodes.SizeInvalid].includes(copied.code as never), `${copied.code} ${copied.message}`);
      proxy.removeRule(rule);
      assert.deepEqual(await files(o.out), []);
      assert.deepEqual(await o.escaped(), []);
      assert.deepEqual(await danglingTags({ url: refreg.url }, dst), {});
      assert.equal((await httpRequest(`${refreg.url}/v2/${dst}/manifests/v1`, { method: 'HEAD' })).status, 404);
      figures.servedMismatches += 3;
    });
  }

  test('a manifest served with other bytes than its digest, by digest and by tag', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/manifest-${uid()}`;
    const fx = await pushFixture(repo);
    const other = await pushFixture(`${repo}-other`);
    const otherBytes = (await httpRequest(`${dist.url}/v2/${repo}-other/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).body;
    assert.notEqual(other.digest, fx.digest);
    // Every manifest answer of the repository is swapped for a valid manifest of another artifact.
    const rule = proxy.addRule({ method: 'GET', path: new RegExp(`^/v2/${repo}/manifests/`), fault: { kind: 'rewrite', body: () => otherBytes } });
    const o = await outputFolder();
    for (const [name, p] of [
      ['pull by tag', () => c.pull({ reference: `${proxy.host}/${repo}:v1`, output: o.out })],
      ['pull by digest', () => c.pull({ reference: `${proxy.host}/${repo}@${fx.digest}`, output: o.out })],
      ['manifest/fetch by tag', () => c.call('manifest/fetch', { reference: `${proxy.host}/${repo}:v1`, noCache: true })],
      ['copy', () => c.copy({ source: `${proxy.host}/${repo}@${fx.digest}`, destination: `${refreg.host}/${repo}-copy:v1` })],
    ] as const) {
      const e = await failure(p());
      assert.equal(e.code, ErrorCodes.DigestMismatch, `${name}: ${e.code} ${e.message}`);
      figures.servedMismatches++;
    }
    proxy.removeRule(rule);
    assert.deepEqual(await files(o.out), []);
  });
});

describe('manifests over 4 MiB', () => {
  const big = () => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [], annotations: { pad: 'x'.repeat(5 * 1024 * 1024) } }));
  for (const [what, headers] of [
    ['with its Content-Length', undefined],
    ['chunked, without a length', (h: Record<string, unknown>) => ({ ...h, 'content-length': undefined, 'transfer-encoding': 'chunked' })],
  ] as const) {
    test(`served ${what}: MANIFEST_TOO_LARGE, memory bounded`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const repo = `rel/hostile/huge-${uid()}`;
      const fx = await pushFixture(repo);
      const rule = proxy.addRule({
        method: 'GET',
        path: new RegExp(`^/v2/${repo}/manifests/`),
        fault: headers ? { kind: 'rewrite', body: big, headers: (h) => headers(h) as never } : { kind: 'rewrite', body: big },
      });
      const before = (await c.status()).memory.rss;
      const o = await outputFolder();
      for (const p of [() => c.pull({ reference: `${proxy.host}/${repo}@${fx.digest}`, output: o.out }), () => c.call('manifest/fetch', { reference: `${proxy.host}/${repo}:v1`, noCache: true })]) {
        const e = await failure(p());
        assert.equal(e.code, ErrorCodes.ManifestTooLarge, `${e.code} ${e.message}`);
        figures.oversizedManifests++;
      }
      proxy.removeRule(rule);
      const rss = (await c.status()).memory.rss;
      figures.rssPeakMiB = Math.max(figures.rssPeakMiB, Math.round(rss / 2 ** 20));
      assert.ok(rss - before < 64 * 2 ** 20, `RSS grew by ${(rss - before) >> 20} MiB`);
    });
  }

  test('a HEAD that announces 5 MiB is refused without a GET', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/head-${uid()}`;
    await pushFixture(repo);
    const rule = proxy.addRule({ method: 'HEAD', path: new RegExp(`^/v2/${repo}/manifests/`), fault: { kind: 'rewrite', headers: (h) => ({ ...h, 'content-length': String(5 * 1024 * 1024) }) } });
    const e = await failure(c.resolve({ reference: `${proxy.host}/${repo}:v1`, noCache: true }));
    proxy.removeRule(rule);
    assert.equal(e.code, ErrorCodes.ManifestTooLarge, e.message);
    figures.oversizedManifests++;
  });
});

describe('manifests that break the image spec (stored for real in ggcr, which does not check)', () => {
  const D = sha256('{}');
  const cases: Array<[string, string]> = [
    ['not JSON', '{"schemaVersion":2,'],
    ['a JSON array', '[1,2,3]'],
    ['schemaVersion 1', JSON.stringify({ schemaVersion: 1, config: { mediaType: 'a/b', digest: D, size: 2 }, layers: [] })],
    ['layers not an array', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: 2 }, layers: { a: 1 } })],
    ['a digest that climbs out', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: 2 }, layers: [{ mediaType: 'a/b', digest: 'sha256:../../../etc/passwd', size: 1 }] })],
    ['an upper-case digest', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'a/b', digest: D.toUpperCase(), size: 2 }, layers: [] })],
    ['a negative size', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: -1 }, layers: [] })],
    ['a size beyond 2^53', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: 2 ** 60 }, layers: [] })],
    ['annotations that are not strings', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: 2 }, layers: [], annotations: { a: 1 } })],
    ['a mediaType that contradicts the Content-Type', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', config: { mediaType: 'a/b', digest: D, size: 2 }, layers: [] })],
  ];
  for (const [what, body] of cases) {
    test(`${what}: INVALID_MANIFEST, nothing written`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const repo = `rel/hostile/spec-${uid()}`;
      const put = await httpRequest(`${refreg.url}/v2/${repo}/manifests/v1`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body });
      assert.ok(put.status === 201 || put.status === 202, `ggcr stored it (${put.status} ${put.text()})`);
      const o = await outputFolder();
      const e = await failure(c.pull({ reference: `${refreg.host}/${repo}:v1`, output: o.out }));
      assert.ok([ErrorCodes.InvalidManifest, ErrorCodes.ManifestInvalid].includes(e.code as never), `${e.code} ${e.message}`);
      for (const p of [() => c.discover({ reference: `${refreg.host}/${repo}:v1` }), () => c.copy({ source: `${refreg.host}/${repo}:v1`, destination: `${refreg.host}/${repo}-copy:v1` })]) {
        const x = await p().then(() => undefined, (err: OrasdRequestError) => err);
        if (x) assert.notEqual(x.code, ErrorCodes.InternalError, x.message);
      }
      assert.deepEqual(await files(o.out), []);
      figures.malformedManifests++;
    });
  }
});

describe('folder layers that try to leave the folder (pushed for real, pulled through the daemon)', () => {
  const evil = `orasd-evil-${uid()}`;
  const archives: Array<[string, TarEntry[], boolean?]> = [
    ['a ../ entry', [{ path: 'docs/', type: 'Directory' }, { path: `docs/../../${evil}`, body: 'x' }]],
    ['an absolute path', [{ path: `/tmp/${evil}`, body: 'x' }]],
    ['an entry outside the title', [{ path: `other/${evil}`, body: 'x' }]],
    ['a symlink escaping', [{ path: 'docs/l', type: 'SymbolicLink', linkpath: '../../../..' }]],
    ['an absolute symlink', [{ path: 'docs/l', type: 'SymbolicLink', linkpath: '/etc' }]],
    ['a symlink then a write through it', [{ path: 'docs/l', type: 'SymbolicLink', linkpath: '..' }, { path: `docs/l/${evil}`, body: 'x' }]],
    ['a hard link to a file outside', [{ path: 'docs/h', type: 'Link', linkpath: '/etc/passwd' }]],
    ['a relative hard link outside', [{ path: 'docs/h', type: 'Link', linkpath: '../../etc/passwd' }]],
    ['a character device', [{ path: 'docs/null', type: 'CharacterDevice' }]],
    ['a block device', [{ path: 'docs/disk', type: 'BlockDevice' }]],
    ['a FIFO', [{ path: 'docs/fifo', type: 'FIFO' }]],
    ['a device, even with allowPathTraversal', [{ path: 'docs/null', type: 'CharacterDevice' }], true],
    ['symlinks that chain out, each inside on paper', [{ path: 'docs/b', type: 'SymbolicLink', linkpath: '.' }, { path: 'docs/c', type: 'SymbolicLink', linkpath: 'b/..' }, { path: 'docs/d', type: 'SymbolicLink', linkpath: 'c/..' }]],
    ['a link to its own folder (wedged the extractor)', [{ path: 'docs/a', type: 'SymbolicLink', linkpath: 'docs' }]],
  ];
  for (const [what, entries, allow] of archives) {
    test(`${what}: UNSAFE_ARCHIVE, nothing outside, no partial files`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const repo = `rel/hostile/tar-${uid()}`;
      const layer = folderLayer('docs', [{ path: 'docs/', type: 'Directory' }, { path: 'docs/ok.txt', body: 'fine\n' }, ...entries], gzipSync);
      await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [layer]);
      const o = await outputFolder();
      const e = await failure(c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out, ...(allow ? { allowPathTraversal: true } : {}) }));
      assert.equal(e.code, ErrorCodes.UnsafeArchive, `${e.code} ${e.message}`);
      assert.deepEqual(await listTree(o.out), [], 'the output folder stays empty');
      assert.deepEqual(await o.escaped(), []);
      await assert.rejects(readFile(join('/tmp', evil)), 'nothing was written to /tmp');
      figures.hostileArchives++;
    });
  }

  test('a tar that unpacks to something other than its annotated digest', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/tardigest-${uid()}`;
    const layer = folderLayer('docs', [{ path: 'docs/a.txt', body: 'a' }], gzipSync);
    layer.annotations!['io.deis.oras.content.digest'] = sha256('something else');
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [layer]);
    const o = await outputFolder();
    const e = await failure(c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out }));
    assert.equal(e.code, ErrorCodes.DigestMismatch, e.message);
    assert.deepEqual(await listTree(o.out), []);
    figures.hostileArchives++;
  });

  test('a layer that is not gzip at all', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/notgz-${uid()}`;
    const layer = folderLayer('docs', [{ path: 'docs/a.txt', body: 'a' }], () => randomBytes(4096));
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [layer]);
    const o = await outputFolder();
    const e = await failure(c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out }));
    assert.equal(e.code, ErrorCodes.UnsafeArchive, e.message);
    assert.deepEqual(await listTree(o.out), []);
    figures.hostileArchives++;
  });
});

describe('titles', () => {
  const file = (title: string, body = 'content\n') => ({ data: Buffer.from(body), annotations: { 'org.opencontainers.image.title': title } });

  for (const title of ['../escape.txt', '/tmp/escape.txt', 'a/../../escape.txt', '..', 'a/../../../../../../tmp/escape.txt', './../escape.txt']) {
    test(`title ${JSON.stringify(title)}: PATH_TRAVERSAL, nothing written`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const repo = `rel/hostile/title-${uid()}`;
      await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file(title)]);
      const o = await outputFolder();
      const e = await failure(c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out }));
      assert.equal(e.code, ErrorCodes.PathTraversal, `${e.code} ${e.message}`);
      assert.deepEqual(await listTree(o.out), []);
      assert.deepEqual(await o.escaped(), []);
      figures.hostileTitles++;
    });
  }

  test('titles with NUL or naming the output folder itself: INVALID_MANIFEST; an empty one is no title', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const [title, code] of [['a\u0000b', ErrorCodes.InvalidManifest], ['.', ErrorCodes.InvalidManifest], ['dir/..', ErrorCodes.InvalidManifest], ['', undefined]] as const) {
      const repo = `rel/hostile/odd-${uid()}`;
      await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file(title)]);
      const o = await outputFolder();
      const r = await c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out }).then(
        (v) => ({ v }),
        (e: OrasdRequestError) => ({ e }),
      );
      assert.equal('e' in r ? r.e.code : undefined, code, `${JSON.stringify(title)}: ${'e' in r ? r.e.message : 'pulled'}`);
      assert.deepEqual(await files(o.out), []);
      assert.deepEqual(await o.escaped(), []);
      figures.hostileTitles++;
    }
  });

  test('a 250-byte file name is pulled (its temporary name must fit too)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/long-${uid()}`;
    const title = `${'n'.repeat(246)}.txt`;
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file(title, 'long\n')]);
    const o = await outputFolder();
    await c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out });
    assert.equal(await readFile(join(o.out, title), 'utf8'), 'long\n');
    figures.hostileTitles++;
  });

  test('a title that collides with an existing file: replaced whole by default, kept with keepOldFiles', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/collide-${uid()}`;
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file('notes.txt', 'from the artifact\n')]);
    const o = await outputFolder();
    await writeFile(join(o.out, 'notes.txt'), 'mine\n');
    const kept = await failure(c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out, keepOldFiles: true }));
    assert.equal(kept.code, ErrorCodes.FileExists);
    assert.equal(await readFile(join(o.out, 'notes.txt'), 'utf8'), 'mine\n');
    await c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out });
    assert.equal(await readFile(join(o.out, 'notes.txt'), 'utf8'), 'from the artifact\n');
    assert.deepEqual(await files(o.out), ['notes.txt']);
    figures.hostileTitles += 2;
  });

  test('a title whose destination is a symlink, or lies under a symlinked folder, pointing outside', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/symlink-${uid()}`;
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file('link.txt', 'payload\n')]);
    await pushCrafted(c, `${dist.host}/${repo}:v2`, ws, [file('sub/inner.txt', 'payload\n')]);
    const o = await outputFolder();
    const victim = join(o.parent, 'victim.txt');
    await writeFile(victim, 'precious\n');
    await symlink(victim, join(o.out, 'link.txt'));
    await symlink(o.parent, join(o.out, 'sub'));
    for (const tag of ['v1', 'v2']) {
      const e = await failure(c.pull({ reference: `${dist.host}/${repo}:${tag}`, output: o.out }));
      assert.equal(e.code, ErrorCodes.PathTraversal, `${tag}: ${e.code} ${e.message}`);
      figures.hostileTitles++;
    }
    assert.equal(await readFile(victim, 'utf8'), 'precious\n');
    assert.equal(await readlink(join(o.out, 'link.txt')), victim);
    assert.deepEqual((await listTree(o.parent)).map((e) => e.path), ['out', 'out/link.txt', 'out/sub', 'victim.txt']);
  });

  test('two layers with one title, and a file where a folder must go', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/dup-${uid()}`;
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file('same.txt', 'one\n'), file('same.txt', 'two\n')]);
    await pushCrafted(c, `${dist.host}/${repo}:v2`, ws, [file('a', 'file\n'), file('a/b', 'under a file\n')]);
    const o = await outputFolder();
    const dup = await failure(c.pull({ reference: `${dist.host}/${repo}:v1`, output: o.out }));
    assert.equal(dup.code, ErrorCodes.InvalidManifest, dup.message);
    const clash = await failure(c.pull({ reference: `${dist.host}/${repo}:v2`, output: o.out }));
    assert.equal(clash.code, ErrorCodes.InvalidManifest, clash.message);
    assert.deepEqual(await listTree(o.out), []);
    figures.hostileTitles += 2;
  });

  test('a folder in the way of a file, a file in the way of a folder: FILE_EXISTS, nothing written', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/hostile/inway-${uid()}`;
    await pushCrafted(c, `${dist.host}/${repo}:v1`, ws, [file('x', 'file\n'), file('other.txt', 'other\n')]);
    await pushCrafted(c, `${dist.host}/${repo}:v2`, ws, [file('y/z.txt', 'deep\n'), file('other.txt', 'other\n')]);
    const o = await outputFolder();
    await mkdir(join(o.out, 'x'));
    await writeFile(join(o.out, 'y'), 'a file named y\n');
    for (const tag of ['v1', 'v2']) {
      const e = await failure(c.pull({ reference: `${dist.host}/${repo}:${tag}`, output: o.out }));
      assert.equal(e.code, ErrorCodes.FileExists, `${tag}: ${e.code} ${e.message}`);
      figures.hostileTitles++;
    }
    assert.deepEqual((await listTree(o.out)).map((e) => e.path), ['x', 'y']);
  });
});
