// Every Target method of the OCI image layout target, its errors, its integrity checks and its
// garbage collection, without the oras CLI (see layout-oras-interop.test.ts for that).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes, OrasdError } from '../src/errors';
import { descriptorOf, type Descriptor } from '../src/oci/descriptor';
import { encodeImageIndex, encodeImageManifest } from '../src/oci/manifest';
import { EmptyJson, MediaTypes } from '../src/oci/mediatypes';
import { Layouts, type LayoutTarget } from '../src/targets/layout';

let work: string;
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-layout-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

let n = 0;
function freshDir(): string {
  return path.join(work, `layout-${++n}`);
}

function blobDesc(text: string, title?: string): { desc: Descriptor; bytes: Buffer } {
  const bytes = Buffer.from(text);
  return { desc: descriptorOf(MediaTypes.ImageLayer, bytes, title ? { annotations: { 'org.opencontainers.image.title': title } } : {}), bytes };
}

async function pushBytes(t: LayoutTarget, desc: Descriptor, bytes: Buffer) {
  return t.pushBlob(desc, () => Readable.from([bytes]));
}

interface Pushed {
  desc: Descriptor;
  bytes: Buffer;
  layers: Descriptor[];
}

/** An artifact manifest (empty config) with the given layer texts, pushed with its blobs. */
async function pushArtifact(t: LayoutTarget, layers: string[], opts: { tag?: string; subject?: Descriptor; artifactType?: string; annotations?: Record<string, string> } = {}): Promise<Pushed> {
  await pushBytes(t, EmptyJson, Buffer.from('{}'));
  const descs: Descriptor[] = [];
  for (const [i, text] of layers.entries()) {
    const b = blobDesc(text, `file${i}.txt`);
    await pushBytes(t, b.desc, b.bytes);
    descs.push(b.desc);
  }
  const bytes = encodeImageManifest({
    schemaVersion: 2,
    artifactType: opts.artifactType ?? 'application/vnd.test.artifact',
    config: EmptyJson,
    layers: descs.length ? descs : [EmptyJson],
    ...(opts.subject ? { subject: opts.subject } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  const desc = descriptorOf(MediaTypes.ImageManifest, bytes);
  await t.pushManifest(desc, bytes, opts.tag);
  return { desc, bytes, layers: descs };
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function indexJson(dir: string): { manifests: Descriptor[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
}

function blobFile(dir: string, digest: string): string {
  return path.join(dir, 'blobs', ...digest.split(':'));
}

function stray(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.startsWith('.tmp-')) out.push(path.join(d, e.name));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

function isCode(code: number, match?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof OrasdError, `expected OrasdError, got ${String(e)}`);
    assert.equal(e.code, code, `code ${e.code} (${e.message})`);
    if (match) assert.match(e.message, match);
    return true;
  };
}

describe('layout: opening and creating', () => {
  test('a relative path is refused', () => {
    assert.throws(() => new Layouts().open('relative/dir'), isCode(ErrorCodes.InvalidArgument));
  });

  test('reading a missing layout is NameUnknown; exists is false', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const missing = isCode(ErrorCodes.NameUnknown, new RegExp(`OCI layout ${dir} does not exist`));
    await assert.rejects(t.resolve('v1'), missing);
    await assert.rejects(t.tags(), missing);
    await assert.rejects(t.referrers(EmptyJson), missing);
    await assert.rejects(t.fetchBlob(EmptyJson), missing);
    await assert.rejects(t.fetchManifest(`sha256:${'a'.repeat(64)}`), missing);
    await assert.rejects(t.statBlob(EmptyJson.digest), missing);
    await assert.rejects(t.deleteManifest(EmptyJson), missing);
    assert.equal(await t.exists(EmptyJson), false);
    assert.equal(fs.existsSync(dir), false, 'reads must not create the layout');
  });

  test('the first write creates oci-layout, index.json and blobs/ like oras', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    assert.equal(await pushBytes(t, EmptyJson, Buffer.from('{}')), 'pushed');
    assert.equal(fs.readFileSync(path.join(dir, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
    assert.equal(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'), '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}');
    assert.equal(fs.readFileSync(blobFile(dir, EmptyJson.digest), 'utf8'), '{}');
    assert.equal(await pushBytes(t, EmptyJson, Buffer.from('{}')), 'exists');
  });

  test('without create, writes to a missing layout are NameUnknown', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir);
    await assert.rejects(pushBytes(t, EmptyJson, Buffer.from('{}')), isCode(ErrorCodes.NameUnknown));
    assert.equal(fs.existsSync(dir), false);
  });

  test('an oci-layout file of another version is refused', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    const t = new Layouts().open(dir, { create: true });
    await assert.rejects(pushArtifact(t, ['x']), isCode(ErrorCodes.InvalidArgument, /imageLayoutVersion/));
  });

  test('name, location and reference', () => {
    const dir = freshDir();
    const t = new Layouts().open(dir);
    assert.equal(t.kind, 'layout');
    assert.equal(t.name, `oci-layout ${dir}`);
    assert.equal(t.location, dir);
    assert.equal(t.reference(), dir);
    assert.equal(t.reference('v1'), `${dir}:v1`);
    assert.equal(t.reference(EmptyJson.digest), `${dir}@${EmptyJson.digest}`);
  });
});

describe('layout: reads and writes', () => {
  let dir: string;
  let t: LayoutTarget;
  let image: Pushed;
  let sig: Pushed;
  let sbom: Pushed;

  before(async () => {
    dir = freshDir();
    t = new Layouts().open(dir, { create: true });
    image = await pushArtifact(t, ['hello\n', 'world\n'], { tag: 'v1', annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } });
    sig = await pushArtifact(t, ['signature'], { subject: image.desc, artifactType: 'application/vnd.test.sig', annotations: { who: 'me' } });
    sbom = await pushArtifact(t, ['sbom'], { subject: image.desc, artifactType: 'application/vnd.test.sbom' });
  });

  test('resolve by tag and by digest (listed or not)', async () => {
    const plain = { mediaType: MediaTypes.ImageManifest, digest: image.desc.digest, size: image.desc.size };
    assert.deepEqual(await t.resolve('v1'), plain);
    assert.deepEqual(await t.resolve(image.desc.digest), plain);
    assert.deepEqual(await t.resolve(sig.desc.digest), { mediaType: MediaTypes.ImageManifest, digest: sig.desc.digest, size: sig.desc.size });
    await assert.rejects(t.resolve('nope'), isCode(ErrorCodes.ManifestUnknown));
    await assert.rejects(t.resolve(image.layers[0]!.digest), isCode(ErrorCodes.ManifestUnknown, /not a manifest/));
    await assert.rejects(t.resolve(`sha256:${'0'.repeat(64)}`), isCode(ErrorCodes.ManifestUnknown));
  });

  test('digests are validated before they become file names', async () => {
    for (const bad of ['sha256:../../../etc/passwd', `sha256:${'A'.repeat(64)}`, 'md5:abc', `sha256:${'a'.repeat(63)}/`]) {
      await assert.rejects(t.resolve(bad), isCode(ErrorCodes.DigestInvalid), bad);
      await assert.rejects(t.fetchBlob({ mediaType: 'x', digest: bad, size: 1 }), isCode(ErrorCodes.DigestInvalid), bad);
      await assert.rejects(t.exists({ mediaType: 'x', digest: bad, size: 1 }), isCode(ErrorCodes.DigestInvalid), bad);
      await assert.rejects(t.deleteBlob({ mediaType: 'x', digest: bad, size: 1 }), isCode(ErrorCodes.DigestInvalid), bad);
      await assert.rejects(pushBytes(t, { mediaType: 'x', digest: bad, size: 1 }, Buffer.from('x')), isCode(ErrorCodes.DigestInvalid), bad);
    }
  });

  test('fetchManifest by tag, digest and descriptor', async () => {
    for (const sel of ['v1', image.desc.digest]) {
      const got = await t.fetchManifest(sel);
      assert.ok(got.bytes.equals(image.bytes));
      assert.equal(got.descriptor.digest, image.desc.digest);
      assert.equal(got.descriptor.mediaType, MediaTypes.ImageManifest);
    }
    const got = await t.fetchManifest(sig.desc);
    assert.ok(got.bytes.equals(sig.bytes));
    await assert.rejects(t.fetchManifest({ ...sig.desc, size: sig.desc.size + 1 }), isCode(ErrorCodes.DigestMismatch));
  });

  test('fetchBlob streams verified content and reports progress', async () => {
    let seen = 0;
    const s = await t.fetchBlob(image.layers[1]!, { onBytes: (n) => (seen = n) });
    assert.equal((await readAll(s)).toString(), 'world\n');
    assert.equal(seen, 6);
    await assert.rejects(t.fetchBlob({ ...image.layers[1]!, digest: `sha256:${'1'.repeat(64)}` }), isCode(ErrorCodes.BlobUnknown));
    await assert.rejects(t.fetchBlob({ ...image.layers[1]!, size: 99 }), isCode(ErrorCodes.DigestMismatch, /size mismatch/));
  });

  test('exists and statBlob', async () => {
    assert.equal(await t.exists(image.layers[0]!), true);
    assert.equal(await t.exists(image.desc), true);
    assert.equal(await t.exists({ ...image.layers[0]!, digest: `sha256:${'2'.repeat(64)}` }), false);
    assert.deepEqual(await t.statBlob(image.layers[0]!.digest), { mediaType: 'application/octet-stream', digest: image.layers[0]!.digest, size: 6 });
    await assert.rejects(t.statBlob(`sha256:${'2'.repeat(64)}`), isCode(ErrorCodes.BlobUnknown));
  });

  test('index.json records tags and untagged referrers the way oras does', () => {
    const entries = indexJson(dir).manifests;
    const tagged = entries.filter((e) => e.annotations?.['org.opencontainers.image.ref.name']);
    assert.deepEqual(tagged.map((e) => [e.digest, e.annotations!['org.opencontainers.image.ref.name']]), [[image.desc.digest, 'v1']]);
    const first = entries[0]!;
    assert.deepEqual(first, {
      mediaType: MediaTypes.ImageManifest,
      digest: image.desc.digest,
      size: image.desc.size,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.opencontainers.image.ref.name': 'v1' },
      artifactType: 'application/vnd.test.artifact',
    });
    const untagged = entries.filter((e) => !e.annotations?.['org.opencontainers.image.ref.name']).map((e) => e.digest);
    assert.deepEqual(untagged.sort(), [sig.desc.digest, sbom.desc.digest].sort());
  });

  test('referrers, with artifactType filter', async () => {
    const all = await t.referrers(image.desc);
    assert.deepEqual(
      all.sort((a, b) => a.digest.localeCompare(b.digest)),
      [
        { mediaType: MediaTypes.ImageManifest, digest: sig.desc.digest, size: sig.desc.size, annotations: { who: 'me' }, artifactType: 'application/vnd.test.sig' },
        { mediaType: MediaTypes.ImageManifest, digest: sbom.desc.digest, size: sbom.desc.size, artifactType: 'application/vnd.test.sbom' },
      ].sort((a, b) => a.digest.localeCompare(b.digest)),
    );
    assert.deepEqual((await t.referrers(image.desc, { artifactType: 'application/vnd.test.sbom' })).map((d) => d.digest), [sbom.desc.digest]);
    assert.deepEqual(await t.referrers(sig.desc), []);
  });

  test('tag, tags (sorted, last) and tag moves', async () => {
    await t.tag(image.desc, 'b-tag');
    await t.tag({ mediaType: MediaTypes.ImageManifest, digest: sig.desc.digest, size: sig.desc.size }, 'a-tag');
    assert.deepEqual(await t.tags(), ['a-tag', 'b-tag', 'v1']);
    assert.deepEqual(await t.tags({ last: 'a-tag' }), ['b-tag', 'v1']);
    // The tagged referrer keeps what its untagged entry said (annotations, artifactType).
    const sigEntries = indexJson(dir).manifests.filter((e) => e.digest === sig.desc.digest);
    assert.equal(sigEntries.length, 1);
    assert.deepEqual(sigEntries[0]!.annotations, { who: 'me', 'org.opencontainers.image.ref.name': 'a-tag' });
    assert.equal(sigEntries[0]!.artifactType, 'application/vnd.test.sig');

    // Moving a-tag to sbom: sig stays listed, untagged, so its referrer link survives.
    await t.tag(sbom.desc, 'a-tag');
    assert.equal((await t.resolve('a-tag')).digest, sbom.desc.digest);
    const entries = indexJson(dir).manifests;
    assert.deepEqual(entries.filter((e) => e.digest === sig.desc.digest).map((e) => e.annotations), [{ who: 'me' }]);
    assert.equal(entries.filter((e) => e.digest === sbom.desc.digest).length, 1);
    assert.equal((await t.referrers(image.desc)).length, 2);

    await assert.rejects(t.tag(image.desc, 'bad tag'), isCode(ErrorCodes.InvalidReference));
    await assert.rejects(t.tag({ ...image.desc, digest: `sha256:${'3'.repeat(64)}` }, 'x'), isCode(ErrorCodes.ManifestUnknown));
  });

  test('pushManifest refuses bytes that do not match the descriptor or do not parse', async () => {
    const bytes = Buffer.from('{"schemaVersion":2}');
    await assert.rejects(t.pushManifest({ ...image.desc }, bytes), isCode(ErrorCodes.DigestMismatch));
    await assert.rejects(t.pushManifest(descriptorOf(MediaTypes.ImageManifest, bytes), bytes), isCode(ErrorCodes.InvalidManifest));
    await assert.rejects(t.pushManifest(image.desc, image.bytes, '-bad'), isCode(ErrorCodes.InvalidReference));
  });

  test('an image index and its children', async () => {
    const child = await pushArtifact(t, ['amd64'], {});
    const idxBytes = encodeImageIndex({ schemaVersion: 2, manifests: [{ ...child.desc, platform: { os: 'linux', architecture: 'amd64' } }] });
    const idxDesc = descriptorOf(MediaTypes.ImageIndex, idxBytes);
    await t.pushManifest(idxDesc, idxBytes, 'multi');
    assert.deepEqual(await t.resolve('multi'), { mediaType: MediaTypes.ImageIndex, digest: idxDesc.digest, size: idxDesc.size });
    const ref = await pushArtifact(t, ['on the child'], { subject: child.desc });
    assert.deepEqual((await t.referrers(child.desc)).map((d) => d.digest), [ref.desc.digest]);
  });
});

describe('layout: integrity', () => {
  test('a flipped byte in a blob file is a DigestMismatch naming layout and digest', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const img = await pushArtifact(t, ['precious content\n'], { tag: 'v1' });
    const layer = img.layers[0]!;
    flip(blobFile(dir, layer.digest));
    const s = await t.fetchBlob(layer);
    await assert.rejects(readAll(s), (e: unknown) => {
      isCode(ErrorCodes.DigestMismatch)(e);
      const err = e as OrasdError;
      assert.match(err.message, new RegExp(layer.digest));
      assert.match(err.message, new RegExp(`OCI layout ${dir}`));
      assert.equal(err.data.registry, dir);
      assert.equal(err.data.path, blobFile(dir, layer.digest));
      return true;
    });

    flip(blobFile(dir, img.desc.digest));
    await assert.rejects(t.fetchManifest('v1'), (e: unknown) => {
      isCode(ErrorCodes.DigestMismatch)(e);
      assert.match((e as Error).message, new RegExp(`${img.desc.digest}.*OCI layout ${dir}`));
      return true;
    });
    await assert.rejects(t.fetchManifest(img.desc.digest), isCode(ErrorCodes.DigestMismatch));
  });

  test('pushBlob with the wrong digest or size leaves no temp file and no blob', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const good = blobDesc('the real bytes');
    await assert.rejects(pushBytes(t, good.desc, Buffer.from('other bytes!!!')), isCode(ErrorCodes.DigestMismatch));
    await assert.rejects(pushBytes(t, good.desc, Buffer.from('the real bytes and more')), isCode(ErrorCodes.DigestMismatch));
    await assert.rejects(pushBytes(t, good.desc, Buffer.from('short')), isCode(ErrorCodes.DigestMismatch));
    assert.deepEqual(stray(dir), []);
    assert.equal(fs.existsSync(blobFile(dir, good.desc.digest)), false);
    assert.equal(await pushBytes(t, good.desc, good.bytes), 'pushed');
    assert.equal(fs.statSync(blobFile(dir, good.desc.digest)).mode & 0o777, 0o444);
  });

  test('an aborted or failing pushBlob leaves no temp file', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const desc = descriptorOf(MediaTypes.ImageLayer, big);
    const ac = new AbortController();
    const slow = () =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < 64; i++) {
            if (i === 3) ac.abort();
            yield big.subarray(i * 65536, (i + 1) * 65536);
            await new Promise((r) => setTimeout(r, 5));
          }
        })(),
      );
    await assert.rejects(t.pushBlob(desc, slow, { signal: ac.signal }), isCode(ErrorCodes.RequestCancelled));
    assert.deepEqual(stray(dir), []);

    const failing = () =>
      Readable.from(
        (async function* () {
          yield big.subarray(0, 1000);
          throw new Error('source broke');
        })(),
      );
    await assert.rejects(t.pushBlob(desc, failing), /source broke/);
    await assert.rejects(
      t.pushBlob(desc, () => {
        throw new Error('cannot open');
      }),
      /cannot open/,
    );
    assert.deepEqual(stray(dir), []);
    assert.equal(await t.exists(desc), false);
  });
});

describe('layout: deletion and garbage collection', () => {
  test('deleteManifest removes the manifest, its tags, its referrers and unshared blobs; keeps shared ones', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const a = await pushArtifact(t, ['shared layer', 'only in a'], { tag: 'a' });
    await t.tag(a.desc, 'a2');
    const b = await pushArtifact(t, ['shared layer', 'only in b'], { tag: 'b' });
    const sigA = await pushArtifact(t, ['sig of a'], { subject: a.desc, artifactType: 'application/vnd.test.sig' });
    const sigOfSig = await pushArtifact(t, ['sig of sig'], { subject: sigA.desc });
    const sigB = await pushArtifact(t, ['sig of b'], { subject: b.desc });

    await t.deleteManifest(a.desc);

    const gone = [a.desc, a.layers[1]!, sigA.desc, sigA.layers[0]!, sigOfSig.desc, sigOfSig.layers[0]!];
    for (const d of gone) assert.equal(fs.existsSync(blobFile(dir, d.digest)), false, `${d.digest} should be gone`);
    const kept = [a.layers[0]!, b.desc, ...b.layers, EmptyJson, sigB.desc, sigB.layers[0]!];
    for (const d of kept) assert.equal(fs.existsSync(blobFile(dir, d.digest)), true, `${d.digest} should stay`);
    assert.deepEqual(await t.tags(), ['b']);
    const listed = indexJson(dir).manifests.map((e) => e.digest);
    assert.deepEqual(listed.sort(), [b.desc.digest, sigB.desc.digest].sort());
    assert.deepEqual((await t.referrers(b.desc)).map((d) => d.digest), [sigB.desc.digest]);
    assert.deepEqual(await t.referrers(a.desc), []);
    await assert.rejects(t.deleteManifest(a.desc), isCode(ErrorCodes.ManifestUnknown));
  });

  test('deleting the last referrer of an untagged subject keeps the subject (unlike oras-go)', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const subject = await pushArtifact(t, ['pushed by digest']);
    const sig = await pushArtifact(t, ['sig'], { subject: subject.desc });
    await t.deleteManifest(sig.desc);
    assert.equal((await t.fetchManifest(subject.desc.digest)).descriptor.digest, subject.desc.digest);
    assert.deepEqual(indexJson(dir).manifests.map((e) => e.digest), [subject.desc.digest]);
    assert.equal(fs.existsSync(blobFile(dir, sig.layers[0]!.digest)), false);
  });

  test('deleting an index takes its untagged children unless a tag, another index or a referrer holds them', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const lone = await pushArtifact(t, ['lone child']);
    const tagged = await pushArtifact(t, ['tagged child'], { tag: 'child' });
    const referred = await pushArtifact(t, ['referred child']);
    const sig = await pushArtifact(t, ['sig of child'], { subject: referred.desc });
    const shared = await pushArtifact(t, ['shared child']);
    const indexOf = async (children: Descriptor[], tag: string) => {
      const bytes = encodeImageIndex({ schemaVersion: 2, manifests: children });
      const desc = descriptorOf(MediaTypes.ImageIndex, bytes);
      await t.pushManifest(desc, bytes, tag);
      return desc;
    };
    const idx = await indexOf([lone.desc, tagged.desc, referred.desc, shared.desc], 'idx');
    await indexOf([shared.desc], 'other');

    await t.deleteManifest(idx);
    assert.equal(fs.existsSync(blobFile(dir, idx.digest)), false);
    assert.equal(fs.existsSync(blobFile(dir, lone.desc.digest)), false);
    assert.equal(fs.existsSync(blobFile(dir, lone.layers[0]!.digest)), false);
    for (const kept of [tagged, referred, sig, shared]) {
      assert.equal(fs.existsSync(blobFile(dir, kept.desc.digest)), true);
      assert.equal(fs.existsSync(blobFile(dir, kept.layers[0]!.digest)), true);
    }
    const listed = indexJson(dir).manifests.map((e) => e.digest);
    assert.ok(!listed.includes(lone.desc.digest) && !listed.includes(idx.digest));
    assert.deepEqual(await t.tags(), ['child', 'other']);
  });

  test('blobs a push in flight relies on survive a concurrent delete', async () => {
    const dir = freshDir();
    const layouts = new Layouts();
    const t = layouts.open(dir, { create: true });
    const old = await pushArtifact(t, ['layer both need', 'old only'], { tag: 'old' });
    // Another client starts pushing "new": finds the shared layer present and skips it...
    const shared = old.layers[0]!;
    assert.equal(await layouts.open(dir, { create: true }).exists(shared), true);
    // ...while "old" is deleted...
    await t.deleteManifest(old.desc);
    assert.equal(fs.existsSync(blobFile(dir, old.layers[1]!.digest)), false);
    assert.equal(fs.existsSync(blobFile(dir, shared.digest)), true);
    // ...and then its manifest lands, complete.
    const bytes = encodeImageManifest({ schemaVersion: 2, artifactType: 'application/vnd.test', config: EmptyJson, layers: [shared] });
    const desc = descriptorOf(MediaTypes.ImageManifest, bytes);
    await t.pushManifest(desc, bytes, 'new');
    assert.equal((await readAll(await t.fetchBlob(shared))).toString(), 'layer both need');
    // Once claimed by a manifest, the blob is ordinary garbage when that manifest goes.
    await t.deleteManifest(desc);
    assert.equal(fs.existsSync(blobFile(dir, shared.digest)), false);
  });

  test('deleteBlob', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    const b = blobDesc('to delete');
    await pushBytes(t, b.desc, b.bytes);
    await t.deleteBlob(b.desc);
    assert.equal(await t.exists(b.desc), false);
    await assert.rejects(t.deleteBlob(b.desc), isCode(ErrorCodes.BlobUnknown));
  });
});

describe('layout: caches follow writes made elsewhere', () => {
  test('referrers see a referrer written through another Layouts (another process)', async () => {
    const dir = freshDir();
    const mine = new Layouts().open(dir, { create: true });
    const theirs = new Layouts().open(dir, { create: true });
    const img = await pushArtifact(mine, ['x'], { tag: 'v1' });
    assert.deepEqual(await mine.referrers(img.desc), []);
    const sig = await pushArtifact(theirs, ['their sig'], { subject: img.desc });
    assert.deepEqual((await mine.referrers(img.desc)).map((d) => d.digest), [sig.desc.digest]);
    await theirs.deleteManifest(sig.desc);
    assert.deepEqual(await mine.referrers(img.desc), []);
  });
});

describe('layout: index.json encoding', () => {
  test('annotations are key-sorted and <>& escaped as Go does', async () => {
    const dir = freshDir();
    const t = new Layouts().open(dir, { create: true });
    await pushArtifact(t, ['x'], { tag: 'v1', annotations: { z: 'a<b>&c', a: 'first' } });
    const text = fs.readFileSync(path.join(dir, 'index.json'), 'utf8');
    assert.match(text, /"annotations":\{"a":"first","org.opencontainers.image.ref.name":"v1","z":"a\\u003cb\\u003e\\u0026c"\}/);
  });

  test('"manifests": null (what oras writes after deleting everything) reads as empty', async () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'blobs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    fs.writeFileSync(path.join(dir, 'index.json'), '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null}');
    const t = new Layouts().open(dir);
    assert.deepEqual(await t.tags(), []);
    await pushArtifact(t, ['x'], { tag: 'v1' });
    assert.deepEqual(await t.tags(), ['v1']);
  });
});

function flip(file: string): void {
  fs.chmodSync(file, 0o644);
  const b = fs.readFileSync(file);
  b[Math.floor(b.length / 2)]! ^= 0x01;
  fs.writeFileSync(file, b);
}
