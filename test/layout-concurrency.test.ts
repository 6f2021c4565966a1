// Many clients writing one layout through one daemon (one Layouts): index.json stays valid and
// loses no update, whatever path spelling each client used.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { descriptorOf, type Descriptor } from '../src/oci/descriptor';
import { encodeImageManifest } from '../src/oci/manifest';
import { EmptyJson, MediaTypes } from '../src/oci/mediatypes';
import { Layouts, type LayoutTarget } from '../src/targets/layout';

const WRITERS = 50;
let work: string;
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-layout-conc-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

async function pushArtifact(t: LayoutTarget, text: string, tag?: string, subject?: Descriptor): Promise<Descriptor> {
  const layer = Buffer.from(text);
  const layerDesc = descriptorOf(MediaTypes.ImageLayer, layer);
  await Promise.all([t.pushBlob(EmptyJson, () => Readable.from([Buffer.from('{}')])), t.pushBlob(layerDesc, () => Readable.from([layer]))]);
  const bytes = encodeImageManifest({ schemaVersion: 2, artifactType: 'application/vnd.test', config: EmptyJson, layers: [layerDesc], ...(subject ? { subject } : {}) });
  const desc = descriptorOf(MediaTypes.ImageManifest, bytes);
  await t.pushManifest(desc, bytes, tag);
  return desc;
}

function readIndex(dir: string): { manifests: Descriptor[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
}

test(`${WRITERS} concurrent tagged pushes and ${WRITERS} untagged referrers, through two path spellings`, async () => {
  const real = path.join(work, 'real');
  const link = path.join(work, 'link');
  fs.mkdirSync(real);
  fs.symlinkSync(real, link);
  const layouts = new Layouts();
  const viaReal = layouts.open(real, { create: true });
  const viaLink = layouts.open(link, { create: true });
  const subject = await pushArtifact(viaReal, 'subject', 'subject');

  const results = await Promise.all([
    ...Array.from({ length: WRITERS }, (_, i) => pushArtifact(i % 2 ? viaLink : layouts.open(real, { create: true }), `tagged ${i}`, `t${i}`)),
    ...Array.from({ length: WRITERS }, (_, i) => pushArtifact(i % 2 ? viaReal : viaLink, `referrer ${i}`, undefined, subject)),
  ]);
  const tagged = results.slice(0, WRITERS);
  const referrers = results.slice(WRITERS);

  const idx = readIndex(real);
  const tags = new Map(idx.manifests.filter((e) => e.annotations?.['org.opencontainers.image.ref.name']).map((e) => [e.annotations!['org.opencontainers.image.ref.name'], e.digest]));
  assert.equal(tags.size, WRITERS + 1);
  tagged.forEach((d, i) => assert.equal(tags.get(`t${i}`), d.digest, `t${i}`));
  const untagged = new Set(idx.manifests.filter((e) => !e.annotations?.['org.opencontainers.image.ref.name']).map((e) => e.digest));
  assert.deepEqual([...untagged].sort(), referrers.map((d) => d.digest).sort());
  assert.equal(idx.manifests.length, 2 * WRITERS + 1, 'no duplicate entries');

  assert.equal((await viaLink.tags()).length, WRITERS + 1);
  assert.deepEqual((await viaLink.referrers(subject)).map((d) => d.digest).sort(), referrers.map((d) => d.digest).sort());
  assert.deepEqual(fs.readdirSync(real).filter((f) => f.startsWith('.tmp-')), []);
});

test('concurrent tags, re-tags and deletes keep index.json consistent', async () => {
  const dir = path.join(work, 'mixed');
  const layouts = new Layouts();
  const t = layouts.open(dir, { create: true });
  const base = await Promise.all(Array.from({ length: 10 }, (_, i) => pushArtifact(t, `base ${i}`, `base${i}`)));
  await Promise.all([
    // Every base gets two more tags, concurrently...
    ...base.flatMap((d, i) => [t.tag(d, `extra${i}a`), t.tag(d, `extra${i}b`)]),
    // ..."moving" is tagged onto each base in turn (last writer wins)...
    ...base.map((d) => t.tag(d, 'moving')),
    // ...and new images arrive while the odd bases are deleted.
    ...Array.from({ length: 20 }, (_, i) => pushArtifact(t, `new ${i}`, `new${i}`)),
  ]);
  await Promise.all(base.filter((_, i) => i % 2).map((d) => t.deleteManifest(d)));

  const tags = await t.tags();
  for (let i = 0; i < 10; i++) {
    const present = i % 2 === 0;
    for (const tag of [`base${i}`, `extra${i}a`, `extra${i}b`]) assert.equal(tags.includes(tag), present, tag);
  }
  for (let i = 0; i < 20; i++) assert.ok(tags.includes(`new${i}`), `new${i}`);
  const idx = readIndex(dir);
  for (const e of idx.manifests) assert.ok(fs.existsSync(path.join(dir, 'blobs', ...e.digest.split(':'))), `blob of ${e.digest}`);
  const seen = new Set<string>();
  for (const e of idx.manifests) {
    const key = `${e.digest} ${e.annotations?.['org.opencontainers.image.ref.name'] ?? ''}`;
    assert.ok(!seen.has(key), `duplicate entry ${key}`);
    seen.add(key);
  }
});
