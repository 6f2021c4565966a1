/**
 * A registry's referrers answer is not content-addressed, so a broken or hostile one can describe
 * a cycle (A is referred to by B, B by A). Real registries cannot be made to do that, so this one
 * property is checked against an in-memory target: discover and copy -r must end, each node once.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ErrorCodes, OrasdError } from '../../src/errors';
import { descriptorOf, type Descriptor } from '../../src/oci/descriptor';
import { encodeImageManifest } from '../../src/oci/manifest';
import { EmptyJson, MediaTypes } from '../../src/oci/mediatypes';
import { copy } from '../../src/ops/copy';
import { discover } from '../../src/ops/discover';
import type { Target } from '../../src/targets/target';

class MemoryTarget implements Target {
  readonly kind = 'registry' as const;
  readonly location = 'memory';
  readonly name = 'memory';
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { desc: Descriptor; bytes: Buffer }>();
  readonly tagMap = new Map<string, string>();
  /** Forged referrers answers: subject digest → descriptors. */
  readonly forged = new Map<string, Descriptor[]>();
  referrersCalls = 0;

  reference(sel?: string) {
    return sel ? `memory/repo@${sel}` : 'memory/repo';
  }
  private missing(what: string): OrasdError {
    return new OrasdError(ErrorCodes.ManifestUnknown, `${what} not found`);
  }
  async resolve(sel: string) {
    const d = this.manifests.get(this.tagMap.get(sel) ?? sel)?.desc;
    if (!d) throw this.missing(sel);
    return d;
  }
  async fetchManifest(t: Descriptor | string) {
    const m = this.manifests.get(typeof t === 'string' ? (this.tagMap.get(t) ?? t) : t.digest);
    if (!m) throw this.missing(String(t));
    return { descriptor: m.desc, bytes: m.bytes };
  }
  async fetchBlob(d: Descriptor) {
    const b = this.blobs.get(d.digest);
    if (!b) throw new OrasdError(ErrorCodes.BlobUnknown, 'no blob');
    return Readable.from([b]);
  }
  async statBlob(digest: string) {
    const b = this.blobs.get(digest);
    if (!b) throw new OrasdError(ErrorCodes.BlobUnknown, 'no blob');
    return { mediaType: 'application/octet-stream', digest, size: b.length };
  }
  async exists(d: Descriptor) {
    return this.blobs.has(d.digest) || this.manifests.has(d.digest);
  }
  async pushBlob(d: Descriptor, open: () => Readable | Promise<Readable>) {
    if (this.blobs.has(d.digest)) return 'exists' as const;
    const chunks: Buffer[] = [];
    for await (const c of await open()) chunks.push(c as Buffer);
    this.blobs.set(d.digest, Buffer.concat(chunks));
    return 'pushed' as const;
  }
  async pushManifest(d: Descriptor, bytes: Buffer, tag?: string) {
    this.manifests.set(d.digest, { desc: d, bytes });
    if (tag) this.tagMap.set(tag, d.digest);
  }
  async tag(d: Descriptor, tag: string) {
    this.tagMap.set(tag, d.digest);
  }
  async deleteManifest(d: Descriptor) {
    this.manifests.delete(d.digest);
  }
  async deleteBlob(d: Descriptor) {
    this.blobs.delete(d.digest);
  }
  async tags() {
    return [...this.tagMap.keys()];
  }
  async referrers(subject: Descriptor) {
    this.referrersCalls++;
    return this.forged.get(subject.digest) ?? [];
  }
}

function manifest(target: MemoryTarget, note: string, artifactType: string): Descriptor {
  target.blobs.set(EmptyJson.digest, Buffer.from('{}'));
  const bytes = encodeImageManifest({ schemaVersion: 2, mediaType: MediaTypes.ImageManifest, artifactType, config: { ...EmptyJson }, layers: [{ ...EmptyJson }], annotations: { note } });
  const desc = descriptorOf(MediaTypes.ImageManifest, bytes, { artifactType });
  target.manifests.set(desc.digest, { desc, bytes });
  return desc;
}

test('discover and copy -r end on a referrers cycle, each node once', async () => {
  const src = new MemoryTarget();
  const a = manifest(src, 'a', 'application/vnd.a');
  const b = manifest(src, 'b', 'sig/example');
  const c = manifest(src, 'c', 'sbom/example');
  src.tagMap.set('v1', a.digest);
  // a ← b, b ← c, c ← a: a cycle no content-addressed graph can hold.
  src.forged.set(a.digest, [b]);
  src.forged.set(b.digest, [c]);
  src.forged.set(c.digest, [a]);

  const { root } = await discover(src, { selector: 'v1' }, {});
  assert.equal(root.referrers.length, 1);
  assert.equal(root.referrers[0]!.digest, b.digest);
  assert.equal(root.referrers[0]!.referrers[0]!.digest, c.digest);
  assert.deepEqual(root.referrers[0]!.referrers[0]!.referrers, [], 'a is not expanded again under c');

  const dst = new MemoryTarget();
  const out = await copy(src, dst, { selector: 'v1', tags: [], recursive: true }, {});
  assert.equal(out.stats.manifests, 3);
  assert.ok(dst.manifests.has(a.digest) && dst.manifests.has(b.digest) && dst.manifests.has(c.digest));
  assert.ok(src.referrersCalls < 10, `referrers asked ${src.referrersCalls} times`);
});
