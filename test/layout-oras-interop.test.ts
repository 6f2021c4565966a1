// The layout target and the real oras CLI (oras-go's content/oci store) read and write the same
// folders: what we write, oras pulls, discovers, lists and copies; what oras writes, we resolve,
// fetch and find referrers in; index.json we write is byte-for-byte what oras writes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { descriptorOf, type Descriptor } from '../src/oci/descriptor';
import { encodeImageManifest, parseManifest, type ImageManifest } from '../src/oci/manifest';
import { EmptyJson, MediaTypes } from '../src/oci/mediatypes';
import { Layouts, type LayoutTarget } from '../src/targets/layout';

const TITLE = 'org.opencontainers.image.title';
const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * The harness's pinned oras (<repo>/.tools/bin, or ORASD_TOOLS_DIR) when installed, else a local
 * v1.3 build; the suite skips without one. Compiled to dist/test/, so the repo is two levels up.
 */
function findOras(): string | undefined {
  const repo = path.resolve(__dirname, '..', '..');
  const tools = process.env.ORASD_TOOLS_DIR ? path.resolve(process.env.ORASD_TOOLS_DIR) : path.join(repo, '.tools');
  const exe = process.platform === 'win32' ? '.exe' : '';
  const candidates = [process.env.ORASD_TEST_ORAS, path.join(tools, 'bin', `oras${exe}`), '/tmp/gotry/bin/oras'];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}
const orasBin = findOras();

let work: string;
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-layout-oras-'));
  fs.writeFileSync(path.join(work, 'a.txt'), 'file a\n');
  fs.writeFileSync(path.join(work, 'b.txt'), 'file b, a bit longer\n');
  fs.writeFileSync(path.join(work, 'sig.txt'), 'a signature\n');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

function oras(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(orasBin!, args, { cwd: work, env: { ...process.env, HOME: work, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`oras ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

interface Discovered {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  referrers?: Discovered[];
}

async function discover(ref: string): Promise<Discovered> {
  return JSON.parse(await oras('discover', '--oci-layout', ref, '--format', 'json')) as Discovered;
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function pushFile(t: LayoutTarget, name: string): Promise<Descriptor> {
  const bytes = fs.readFileSync(path.join(work, name));
  const desc = descriptorOf(MediaTypes.ImageLayer, bytes, { annotations: { [TITLE]: name } });
  await t.pushBlob(desc, () => Readable.from([bytes]));
  return desc;
}

async function pushManifest(t: LayoutTarget, m: Omit<ImageManifest, 'schemaVersion' | 'config'>, tag?: string): Promise<Descriptor> {
  await t.pushBlob(EmptyJson, () => Readable.from([Buffer.from('{}')]));
  const bytes = encodeImageManifest({ schemaVersion: 2, config: EmptyJson, ...m });
  const desc = descriptorOf(MediaTypes.ImageManifest, bytes);
  await t.pushManifest(desc, bytes, tag);
  return desc;
}

function entryKeys(dir: string): string[] {
  const idx = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] | null };
  return (idx.manifests ?? []).map((e) => JSON.stringify(e)).sort();
}

function blobNames(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 'blobs', 'sha256')).filter((f) => !f.startsWith('.')).sort();
}

describe('layout ⇄ oras CLI', { skip: orasBin ? false : 'no oras CLI (run the test harness or build oras v1.3 into /tmp/gotry/bin)' }, () => {
  test('what we write, oras pulls, discovers, lists and copies', async () => {
    const dir = path.join(work, 'ours');
    const t = new Layouts().open(dir, { create: true });
    const layers = [await pushFile(t, 'a.txt'), await pushFile(t, 'b.txt')];
    const image = await pushManifest(t, { artifactType: 'application/vnd.test.files', layers }, 'v1');
    await t.tag(image, 'latest');
    const sig = await pushManifest(t, { artifactType: 'application/vnd.test.sig', layers: [await pushFile(t, 'sig.txt')], subject: image, annotations: { signer: 'me' } });
    const sigOfSig = await pushManifest(t, { artifactType: 'application/vnd.test.countersig', layers: [EmptyJson], subject: sig });

    const out = path.join(work, 'pulled');
    await oras('pull', '--oci-layout', `${dir}:v1`, '-o', out);
    assert.equal(fs.readFileSync(path.join(out, 'a.txt'), 'utf8'), 'file a\n');
    assert.equal(fs.readFileSync(path.join(out, 'b.txt'), 'utf8'), 'file b, a bit longer\n');

    assert.deepEqual((await oras('repo', 'tags', '--oci-layout', dir)).trim().split('\n'), ['latest', 'v1']);

    const tree = await discover(`${dir}:v1`);
    assert.equal(tree.digest, image.digest);
    assert.deepEqual(
      tree.referrers?.map((r) => [r.digest, r.artifactType, r.annotations]),
      (await t.referrers(image)).map((r) => [r.digest, r.artifactType, r.annotations]),
    );
    assert.deepEqual(tree.referrers?.map((r) => r.digest), [sig.digest]);
    assert.deepEqual(tree.referrers?.[0]?.referrers?.map((r) => r.digest), [sigOfSig.digest]);

    // The untagged referrer is reachable by digest, and oras copy follows referrers.
    const fetched = await oras('manifest', 'fetch', '--oci-layout', `${dir}@${sig.digest}`);
    assert.deepEqual(JSON.parse(fetched), JSON.parse((await t.fetchManifest(sig)).bytes.toString()));
    const copy = path.join(work, 'copied');
    await oras('cp', '-r', '--from-oci-layout', `${dir}:v1`, '--to-oci-layout', `${copy}:v1`);
    assert.deepEqual((await discover(`${copy}:v1`)).referrers?.map((r) => r.digest), [sig.digest]);
  });

  test('what oras pushes and attaches, we resolve, fetch and find referrers in', async () => {
    const dir = path.join(work, 'theirs');
    await oras('push', '--oci-layout', `${dir}:v1`, '--artifact-type', 'application/vnd.test.files', 'a.txt', 'b.txt');
    await oras('attach', '--oci-layout', `${dir}:v1`, '--artifact-type', 'application/vnd.test.sig', '--annotation', 'signer=oras', 'sig.txt');
    await oras('tag', '--oci-layout', `${dir}:v1`, 'v2');
    const t = new Layouts().open(dir);

    assert.deepEqual(await t.tags(), ['v1', 'v2']);
    const desc = await t.resolve('v1');
    assert.equal((await t.resolve('v2')).digest, desc.digest);
    const { bytes } = await t.fetchManifest('v1');
    const m = parseManifest(bytes, desc.mediaType);
    assert.equal(m.kind, 'manifest');
    const files: Record<string, string> = {};
    for (const l of m.kind === 'manifest' ? m.json.layers : []) files[l.annotations![TITLE]!] = (await readAll(await t.fetchBlob(l))).toString();
    assert.deepEqual(files, { 'a.txt': 'file a\n', 'b.txt': 'file b, a bit longer\n' });

    const refs = await t.referrers(desc);
    assert.equal(refs.length, 1);
    assert.equal(refs[0]!.artifactType, 'application/vnd.test.sig');
    assert.equal(refs[0]!.annotations?.signer, 'oras');
    assert.deepEqual((await discover(`${dir}:v1`)).referrers?.map((r) => r.digest), [refs[0]!.digest]);
    assert.equal((await t.resolve(refs[0]!.digest)).digest, refs[0]!.digest);

    // A referrer oras attaches after our referrers map was cached is seen (index.json changed).
    await oras('attach', '--oci-layout', `${dir}:v1`, '--artifact-type', 'application/vnd.test.sbom', 'a.txt');
    assert.deepEqual((await t.referrers(desc)).map((r) => r.artifactType).sort(), ['application/vnd.test.sbom', 'application/vnd.test.sig']);
    assert.deepEqual((await t.referrers(desc, { artifactType: 'application/vnd.test.sbom' })).length, 1);
  });

  test('index.json we write is byte-for-byte what oras writes for the same manifests', async () => {
    const theirs = path.join(work, 'bytes-theirs');
    await oras('push', '--oci-layout', `${theirs}:v1`, '--annotation', 'note=<a&b>', 'a.txt');
    const ours = path.join(work, 'bytes-ours');
    const t = new Layouts().open(ours, { create: true });
    const src = new Layouts().open(theirs);
    const copyManifest = async (d: Descriptor, tag?: string) => {
      const { bytes } = await src.fetchManifest(d);
      const m = parseManifest(bytes, d.mediaType);
      for (const b of m.kind === 'manifest' ? [m.json.config, ...m.json.layers] : []) await t.pushBlob(b, async () => src.fetchBlob(b));
      await t.pushManifest({ mediaType: d.mediaType, digest: d.digest, size: d.size }, bytes, tag);
    };
    const root = await src.resolve('v1');
    await copyManifest(root, 'v1');
    assert.equal(fs.readFileSync(path.join(ours, 'index.json'), 'utf8'), fs.readFileSync(path.join(theirs, 'index.json'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(ours, 'oci-layout'), 'utf8'), fs.readFileSync(path.join(theirs, 'oci-layout'), 'utf8'));

    // oras orders entries by Go map iteration (random), so with several entries compare them as sets.
    await oras('attach', '--oci-layout', `${theirs}:v1`, '--artifact-type', 'application/vnd.test.sig', 'sig.txt');
    const [sig] = await src.referrers(root);
    await copyManifest(sig!);
    assert.deepEqual(entryKeys(ours), entryKeys(theirs));
    assert.deepEqual(blobNames(ours), blobNames(theirs));
  });

  test('deleting removes what oras would remove, and each side sees the other\'s deletes', async () => {
    const base = path.join(work, 'del-base');
    await oras('push', '--oci-layout', `${base}:v1`, 'a.txt', 'b.txt');
    await oras('push', '--oci-layout', `${base}:v2`, 'a.txt');
    await oras('attach', '--oci-layout', `${base}:v1`, '--artifact-type', 'application/vnd.test.sig', 'sig.txt');
    const byOras = path.join(work, 'del-oras');
    const byUs = path.join(work, 'del-us');
    fs.cpSync(base, byOras, { recursive: true });
    fs.cpSync(base, byUs, { recursive: true });

    await oras('manifest', 'delete', '-f', '--oci-layout', `${byOras}:v1`);
    const t = new Layouts().open(byUs);
    await t.deleteManifest(await t.resolve('v1'));
    assert.deepEqual(blobNames(byUs), blobNames(byOras));
    assert.deepEqual(entryKeys(byUs), entryKeys(byOras));
    await oras('pull', '--oci-layout', `${byUs}:v2`, '-o', path.join(work, 'del-pulled'));
    assert.equal(fs.readFileSync(path.join(work, 'del-pulled', 'a.txt'), 'utf8'), 'file a\n', 'the layer v2 shares with v1 stays');
    assert.deepEqual((await oras('repo', 'tags', '--oci-layout', byUs)).trim().split('\n'), ['v2']);

    // oras deletes the last manifest of our layout and writes "manifests": null; we read that.
    const v2 = await t.resolve('v2');
    await t.referrers(v2);
    await oras('manifest', 'delete', '-f', '--oci-layout', `${byUs}:v2`);
    assert.deepEqual(await t.tags(), []);
    assert.deepEqual(await t.referrers(v2), []);
    assert.deepEqual(blobNames(byUs), []);
    // ...and write to it again, for oras to read.
    const again = await pushManifest(t, { artifactType: 'application/vnd.test', layers: [await pushFile(t, 'a.txt')] }, 'v3');
    assert.equal(JSON.parse(await oras('manifest', 'fetch', '--oci-layout', `${byUs}:v3`, '--descriptor')).digest, again.digest);
  });

  test('deleting an index removes what oras removes', async () => {
    const base = path.join(work, 'idx-base');
    const digestOf = async (ref: string) => (await oras('resolve', '--oci-layout', ref)).trim();
    await oras('push', '--oci-layout', `${base}:tmp`, 'a.txt');
    const lone = await digestOf(`${base}:tmp`);
    await oras('push', '--oci-layout', `${base}:tmp`, 'sig.txt');
    const referred = await digestOf(`${base}:tmp`);
    await oras('attach', '--oci-layout', `${base}@${referred}`, '--artifact-type', 'application/vnd.test.sig', 'b.txt');
    await oras('push', '--oci-layout', `${base}:v1`, 'b.txt');
    await oras('manifest', 'index', 'create', '--oci-layout', `${base}:idx`, lone, referred, 'v1');
    await oras('push', '--oci-layout', `${base}:tmp`, '--artifact-type', 'application/vnd.test.other', 'a.txt');
    const byOras = path.join(work, 'idx-oras');
    const byUs = path.join(work, 'idx-us');
    fs.cpSync(base, byOras, { recursive: true });
    fs.cpSync(base, byUs, { recursive: true });

    await oras('manifest', 'delete', '-f', '--oci-layout', `${byOras}:idx`);
    const t = new Layouts().open(byUs);
    await t.deleteManifest(await t.resolve('idx'));
    assert.deepEqual(blobNames(byUs), blobNames(byOras));
    assert.deepEqual(entryKeys(byUs), entryKeys(byOras));
    assert.ok(!blobNames(byUs).includes(lone.slice(7)), 'the lone untagged child went with the index');
    assert.ok(blobNames(byUs).includes(referred.slice(7)), 'the child with a referrer stayed');
  });

  test('index.json entries oras writes for a tag move match ours', async () => {
    const theirs = path.join(work, 'move-theirs');
    await oras('push', '--oci-layout', `${theirs}:v1`, 'a.txt');
    await oras('push', '--oci-layout', `${theirs}:v1`, 'b.txt');
    const entries = JSON.parse(fs.readFileSync(path.join(theirs, 'index.json'), 'utf8')).manifests as Descriptor[];
    // oras keeps the manifest the tag moved away from, untagged.
    assert.equal(entries.length, 2);
    assert.equal(entries.filter((e) => e.annotations?.[REF_NAME] === 'v1').length, 1);

    const ours = path.join(work, 'move-ours');
    const t = new Layouts().open(ours, { create: true });
    const src = new Layouts().open(theirs);
    const inPushOrder = [...entries.filter((e) => !e.annotations?.[REF_NAME]), ...entries.filter((e) => e.annotations?.[REF_NAME])];
    for (const e of inPushOrder) {
      const { bytes } = await src.fetchManifest(e);
      await t.pushManifest({ mediaType: e.mediaType, digest: e.digest, size: e.size }, bytes, 'v1');
    }
    assert.deepEqual(entryKeys(ours), entryKeys(theirs));
  });
});
