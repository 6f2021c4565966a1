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
import { startHostileLister, type HostileLister } from './support/hostile-lister';
import { getSharedRegistries, httpRequest, type RunningRegistry } from '../registries/harness';
import { folderLayer, pushCrafted, sha256, type TarEntry } from './support/crafted';
import { failure, outcome, startQuickDaemon, type ReliabilityDaemon } from './support/daemon';
import { SOAK, TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { danglingTags } from './support/registry-check';
import { files, listTree } from './support/tree';

let daemon: ReliabilityDaemon;
let c: OrasdClient;
let dist: RunningRegistry;
let refreg: RunningRegistry;
let olareg: RunningRegistry;
let proxy: FaultProxy;
let ws: string;
const figures = {
  servedMismatches: 0,
  oversizedManifests: 0,
  malformedManifests: 0,
  hostileArchives: 0,
  hostileTitles: 0,
  writesOutside: 0,
  rssPeakMiB: 0,
  /** Hostile listings, by attack: requests refused, daemon RSS before and at its peak meanwhile, bystander requests served. */
  listings: {} as Record<string, { refused: number; rssBeforeMiB: number; rssPeakMiB: number; served: number; requests: number; mibServed: number }>,
  /** Listings on real registries within the limits, checked unchanged. */
  listingsUnchanged: 0,
};

before(async () => {
  ({ distribution: dist, refreg, olareg } = await getSharedRegistries());
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

describe('listings from a hostile registry: LIMIT_EXCEEDED or a loop error, never out of memory or cut short', () => {
  let lister: HostileLister;
  let bystanderRepo: string;
  const mib = (n: number) => Math.round(n / 2 ** 20);

  before(async () => {
    lister = await startHostileLister();
    bystanderRepo = `rel/hostile/bystander-${uid()}`;
    await pushFixture(bystanderRepo);
  });
  after(() => lister.stop());

  /**
   * Runs the attacking calls while another client keeps listing a real repository on the same
   * daemon; returns how each call failed, the daemon's RSS before and at its peak meanwhile, and
   * how many of the other client's requests were answered (each one correctly).
   */
  async function underAttack(name: string, attack: () => Promise<unknown>[]): Promise<OrasdRequestError[]> {
    const other = await daemon.client();
    const before = mib((await other.status()).memory.rss);
    const requestsBefore = Object.values(lister.requests).reduce((a, b) => a + b, 0);
    const bytesBefore = lister.bytesServed;
    let running = true;
    let peak = before;
    let served = 0;
    const bystander = (async () => {
      do {
        peak = Math.max(peak, mib((await other.status()).memory.rss));
        const r = await other.call('repo/tags', { reference: `${dist.host}/${bystanderRepo}`, noCache: true });
        assert.deepEqual(r.tags, ['v1']);
        served++;
      } while (running);
    })();
    const results = await Promise.all(attack().map((p) => outcome(p, 240_000)));
    running = false;
    await bystander;
    peak = Math.max(peak, mib((await other.status()).memory.rss));
    const errors = results.map((r, i) => {
      assert.ok(!r.hung, `attack call ${i} did not answer`);
      assert.ok(r.error, `attack call ${i} succeeded with ${String(JSON.stringify(r.value)).slice(0, 200)}`);
      return r.error!;
    });
    const requests = Object.values(lister.requests).reduce((a, b) => a + b, 0) - requestsBefore;
    figures.listings[name] = { refused: errors.length, rssBeforeMiB: before, rssPeakMiB: peak, served, requests, mibServed: mib(lister.bytesServed - bytesBefore) };
    assert.ok(served >= 1, 'the other client was served');
    return errors;
  }

  function assertLimit(e: OrasdRequestError, limit: string, where: string): void {
    assert.equal(e.code, ErrorCodes.LimitExceeded, `${e.code} ${e.message}`);
    const detail = e.data?.detail as { limit?: string; value?: number } | undefined;
    assert.equal(detail?.limit, limit, e.message);
    // The message names the limit, its value, the registry and repository, and how to raise it.
    assert.ok(e.message.includes(where), `${e.message} names ${where}`);
    assert.ok(e.message.includes(`${limit}`) && e.message.includes(String(detail?.value)), e.message);
    assert.ok(e.message.includes(`listingLimits.${limit}`) && /--listing-max-/.test(e.message), e.message);
  }

  // npm test sets lower limits on the requests (the cost of a listing grows with its entries);
  // the soak runs the same attacks against the daemon's defaults.
  const MiB = 2 ** 20;
  const scale = <T extends object>(small: T): { listingLimits?: T } => (SOAK ? {} : { listingLimits: small });

  test(`discover and copy -r against endless pages of 24,000 distinct referrers: LIMIT_EXCEEDED (maxBytes${SOAK ? '' : ' 16 MiB'}), RSS bounded`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const subject = `${lister.host}/rel/many-24000@${lister.subject.digest}`;
    const limits = scale({ maxBytes: 16 * MiB });
    const name = `referrers, 24,000 per page, discover + copy -r (maxBytes ${SOAK ? 64 : 16} MiB)`;
    const errors = await underAttack(name, () => [
      c.discover({ reference: subject, ...limits }),
      c.copy({ source: subject, destination: `${refreg.host}/rel/hostile/referrers-${uid()}:v1`, recursive: true, ...limits }),
    ]);
    for (const e of errors) assertLimit(e, 'maxBytes', `${lister.host}/rel/many-24000`);
    const f = figures.listings[name]!;
    assert.ok(f.rssPeakMiB - f.rssBeforeMiB < 512, `RSS grew from ${f.rssBeforeMiB} to ${f.rssPeakMiB} MiB`);
  });

  test(`six concurrent repo tags against endless pages of many tags: LIMIT_EXCEEDED (maxEntries${SOAK ? '' : ' 100,000'}), RSS bounded`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `${lister.host}/rel/many-${SOAK ? 600_000 : 60_000}`;
    const name = `tags, ${SOAK ? '600,000' : '60,000'} per page, 6 at once (maxEntries ${SOAK ? '1,000,000' : '100,000'})`;
    const errors = await underAttack(name, () => Array.from({ length: 6 }, () => c.call('repo/tags', { reference: repo, ...scale({ maxEntries: 100_000 }) })));
    for (const e of errors) assertLimit(e, 'maxEntries', repo);
    const f = figures.listings[name]!;
    assert.ok(f.rssPeakMiB - f.rssBeforeMiB < 1024, `RSS grew from ${f.rssBeforeMiB} to ${f.rssPeakMiB} MiB`);
  });

  test(`repo ls against endless pages of repositories: LIMIT_EXCEEDED (maxEntries${SOAK ? '' : ' 100,000'})`, { timeout: TEST_TIMEOUT_MS }, async () => {
    lister.catalog = `many-${SOAK ? 100_000 : 30_000}`;
    const [e] = await underAttack(`catalog, ${SOAK ? '100,000' : '30,000'} per page (maxEntries ${SOAK ? '1,000,000' : '100,000'})`, () => [
      c.call('repo/list', { reference: lister.host, ...scale({ maxEntries: 100_000 }) }),
    ]);
    assertLimit(e!, 'maxEntries', lister.host);
  });

  test('a page body that never ends, or announces 1 GiB: LIMIT_EXCEEDED (maxPageBytes) after at most 16 MiB read', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const kind of ['endless-body', 'declared-huge']) {
      lister.catalog = kind;
      const errors = await underAttack(`page body: ${kind} (default maxPageBytes 16 MiB)`, () => [
        c.call('repo/tags', { reference: `${lister.host}/rel/${kind}` }),
        c.discover({ reference: `${lister.host}/rel/${kind}@${lister.subject.digest}` }),
        c.call('repo/list', { reference: lister.host }),
      ]);
      for (const e of errors) assertLimit(e, 'maxPageBytes', lister.host);
      // One try each: a limit is no transient failure to retry.
      assert.equal(figures.listings[`page body: ${kind} (default maxPageBytes 16 MiB)`]!.requests, 3, kind);
    }
  });

  for (const [kind, perListing] of [['self-link', 1], ['cycle', 3]] as const) {
    test(`a Link ${kind === 'self-link' ? 'to the page itself' : 'cycle between two pages'}: REGISTRY_ERROR after ${perListing} request(s), not 10,000 and a cut-short list`, { timeout: TEST_TIMEOUT_MS }, async () => {
      lister.catalog = kind;
      const errors = await underAttack(`Link ${kind}`, () => [
        c.call('repo/tags', { reference: `${lister.host}/rel/${kind}` }),
        c.discover({ reference: `${lister.host}/rel/${kind}@${lister.subject.digest}` }),
        c.call('repo/list', { reference: lister.host }),
      ]);
      for (const e of errors) {
        assert.equal(e.code, ErrorCodes.RegistryError, `${e.code} ${e.message}`);
        assert.match(e.message, /linked back to a page it already sent/);
        assert.ok(e.message.includes(lister.host), e.message);
      }
      assert.equal(figures.listings[`Link ${kind}`]!.requests, 3 * perListing);
    });
  }

  test(`endless distinct pages: LIMIT_EXCEEDED (maxPages) at ${SOAK ? 'the default 10,000' : 'maxPages 50 set on the request'}`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const pages = SOAK ? 10_000 : 50;
    const limits = SOAK ? {} : { listingLimits: { maxPages: pages } };
    lister.catalog = 'many-3';
    const errors = await underAttack(`endless pages of 3 (maxPages ${pages})`, () => [
      c.call('repo/tags', { reference: `${lister.host}/rel/many-3`, ...limits }),
      c.discover({ reference: `${lister.host}/rel/many-3@${lister.subject.digest}`, ...limits }),
      c.call('repo/list', { reference: lister.host, ...limits }),
    ]);
    for (const e of errors) assertLimit(e, 'maxPages', lister.host);
    assert.equal(figures.listings[`endless pages of 3 (maxPages ${pages})`]!.requests, 3 * pages);
  });
});

describe('listings on real registries within the limits are unchanged', () => {
  const EMPTY = sha256('{}');

  /** Pushes `n` referrers of `subject` through the daemon; their digests. */
  async function pushReferrers(host: string, repo: string, subject: { mediaType: string; digest: string; size: number }, n: number): Promise<string[]> {
    await writeFile(join(ws, 'empty.json'), '{}');
    await c.call('blob/push', { reference: `${host}/${repo}@${EMPTY}`, file: 'empty.json', cwd: ws });
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const content = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.test.sig',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY, size: 2 },
        layers: [],
        subject,
        annotations: { n: String(i) },
      });
      out.push((await c.call('manifest/push', { reference: `${host}/${repo}@${sha256(content)}`, content, cwd: ws })).digest);
    }
    return out.sort();
  }

  test('repo tags on distribution across Link pages: every tag; one entry more than the limit is LIMIT_EXCEEDED', { timeout: TEST_TIMEOUT_MS }, async () => {
    const repo = `rel/listing/tags-${uid()}`;
    await pushFixture(repo);
    const content = (await httpRequest(`${dist.url}/v2/${repo}/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).body.toString();
    const extra = Array.from({ length: 1_204 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    for (let i = 0; i < extra.length; i += 32) {
      await Promise.all(
        extra.slice(i, i + 32).map(async (t) => {
          const put = await httpRequest(`${dist.url}/v2/${repo}/manifests/${t}`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: content });
          assert.equal(put.status, 201, put.text());
        }),
      );
    }
    const all = ['v1', ...extra].sort();
    // distribution really pages at the daemon's n=1000, with a Link to the rest.
    const first = await httpRequest(`${dist.url}/v2/${repo}/tags/list?n=1000`);
    assert.equal((JSON.parse(first.body.toString()) as { tags: string[] }).tags.length, 1000);
    assert.match(String(first.headers['link']), /rel="next"/);
    assert.deepEqual((await c.call('repo/tags', { reference: `${dist.host}/${repo}` })).tags.sort(), all);
    assert.deepEqual((await c.call('repo/tags', { reference: `${dist.host}/${repo}`, listingLimits: { maxEntries: all.length, maxPages: 2 } })).tags.sort(), all);
    assert.deepEqual((await c.call('repo/tags', { reference: `${dist.host}/${repo}`, last: 't1100' })).tags.sort(), all.filter((t) => t > 't1100'));
    const e = await failure(c.call('repo/tags', { reference: `${dist.host}/${repo}`, listingLimits: { maxEntries: all.length - 1 } }));
    assert.equal(e.code, ErrorCodes.LimitExceeded, e.message);
    const pages = await failure(c.call('repo/tags', { reference: `${dist.host}/${repo}`, listingLimits: { maxPages: 1 } }));
    assert.equal(pages.code, ErrorCodes.LimitExceeded, pages.message);
    // The daemon-wide default (orasd serve --listing-max-entries / ORASD_LISTING_MAX_ENTRIES), raised by a request.
    const strict = await startQuickDaemon({ ORASD_LISTING_MAX_ENTRIES: String(all.length - 1) });
    try {
      const sc = await strict.client();
      const d = await failure(sc.call('repo/tags', { reference: `${dist.host}/${repo}` }));
      assert.equal(d.code, ErrorCodes.LimitExceeded, d.message);
      assert.match(d.message, new RegExp(`more than ${all.length - 1} entries .*ORASD_LISTING_MAX_ENTRIES`));
      assert.deepEqual((await sc.call('repo/tags', { reference: `${dist.host}/${repo}`, listingLimits: { maxEntries: all.length } })).tags.sort(), all);
    } finally {
      await strict.stop();
      await rm(strict.tmp, { recursive: true, force: true });
    }
    figures.listingsUnchanged += 3;
  });

  for (const [kind, reg] of [['the referrers API on olareg', () => olareg], ['the tag-schema index on distribution', () => dist]] as const) {
    test(`discover and copy -r through ${kind}: every referrer; one more than maxEntries is LIMIT_EXCEEDED`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const r = reg();
      const repo = `rel/listing/referrers-${uid()}`;
      await writeFile(join(ws, 'small.txt'), 'small\n');
      const subject = await c.push({ reference: `${r.host}/${repo}:v1`, cwd: ws, files: [{ path: 'small.txt' }] });
      const refs = await pushReferrers(r.host, repo, { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }, 12);
      const digests = (d: { manifests: { digest: string }[] }) => d.manifests.map((m) => m.digest).sort();
      assert.deepEqual(digests(await c.discover({ reference: `${r.host}/${repo}:v1`, noCache: true })), refs);
      // One entry per referrer, plus the subject's own (empty) referrers listing: all within 12.
      assert.deepEqual(digests(await c.discover({ reference: `${r.host}/${repo}:v1`, noCache: true, listingLimits: { maxEntries: 12 } })), refs);
      const e = await failure(c.discover({ reference: `${r.host}/${repo}:v1`, noCache: true, listingLimits: { maxEntries: 11 } }));
      assert.equal(e.code, ErrorCodes.LimitExceeded, e.message);
      assert.ok(e.message.includes(`${r.host}/${repo}`), e.message);
      const dst = `${refreg.host}/${repo}-copy`;
      await c.copy({ source: `${r.host}/${repo}:v1`, destination: `${dst}:v1`, recursive: true });
      assert.deepEqual(digests(await c.discover({ reference: `${dst}:v1`, noCache: true })), refs);
      figures.listingsUnchanged += 2;
    });
  }
});
