// RegistryTarget against real registries: CNCF distribution (no referrers API) and ggcr's
// registry (refreg), both anonymous and plain HTTP, shared by the test run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes, OrasdError } from '../src/errors';
import { descriptorOf } from '../src/oci/descriptor';
import { MediaTypes } from '../src/oci/mediatypes';
import type { Registries } from '../src/targets/registry';
import { getSharedRegistries, httpRequest, type RunningRegistry } from './registries/harness';
import { EMPTY_CONFIG, makeArtifact, newRegistries, pushArtifact, readAll, uniqueRepo } from './support/registry-fixtures';

let shared: { distribution: RunningRegistry; refreg: RunningRegistry; olareg: RunningRegistry };
let regs: Registries;

before(async () => {
  shared = await getSharedRegistries();
  regs = newRegistries();
});
after(() => regs.close());

function isCode(code: number) {
  return (e: unknown) => e instanceof OrasdError && e.code === code;
}

for (const kind of ['distribution', 'refreg', 'olareg'] as const) {
  describe(`${kind}: content round trips`, () => {
    test('push, resolve, fetch, exists, tag, tags, delete', async () => {
      const reg = shared[kind];
      const repo = uniqueRepo('basic');
      const t = regs.repository(reg.host, repo);
      const a = makeArtifact();
      assert.equal(await t.exists(a.layers[0]!.desc), kind === 'refreg' ? await t.exists(a.layers[0]!.desc) : false);
      await pushArtifact(t, a, 'v1');

      const resolved = await t.resolve('v1', { noCache: true });
      assert.deepEqual(resolved, a.manifest);
      const byDigest = await t.fetchManifest(a.manifest.digest);
      assert.deepEqual(byDigest.bytes, a.bytes);
      assert.equal(byDigest.descriptor.mediaType, MediaTypes.ImageManifest);
      const byTag = await t.fetchManifest('v1', { noCache: true });
      assert.deepEqual(byTag.bytes, a.bytes);
      assert.equal(byTag.descriptor.digest, a.manifest.digest);

      assert.equal(await t.exists(a.manifest), true);
      assert.equal(await t.exists(a.layers[0]!.desc), true);
      const blob = await readAll(await t.fetchBlob(a.layers[0]!.desc));
      assert.deepEqual(blob, a.layers[0]!.data);
      assert.deepEqual(await t.statBlob(a.layers[0]!.desc.digest), { mediaType: 'application/octet-stream', digest: a.layers[0]!.desc.digest, size: a.layers[0]!.data.length });

      await t.tag(a.manifest, 'v2');
      assert.deepEqual((await t.tags()).sort(), ['v1', 'v2']);
      assert.deepEqual((await regs.repository(reg.host, repo).resolve('v2', { noCache: true })).digest, a.manifest.digest);

      await t.deleteManifest(a.manifest);
      await assert.rejects(t.fetchManifest(a.manifest.digest), isCode(ErrorCodes.ManifestUnknown));
      // ggcr keeps tags of a manifest deleted by digest; the target deletes the ones it knew of.
      assert.deepEqual(await t.tags(), []);
      await assert.rejects(t.resolve('v1', { noCache: true }), (e: unknown) => e instanceof OrasdError && (e.code === ErrorCodes.ManifestUnknown || e.code === ErrorCodes.NameUnknown));
      assert.equal(await t.exists(a.manifest), false);
      await t.deleteBlob(a.layers[0]!.desc);
      if (kind === 'distribution') {
        assert.equal(await t.exists(a.layers[0]!.desc), false);
        await assert.rejects(t.fetchBlob(a.layers[0]!.desc), isCode(ErrorCodes.BlobUnknown));
      }
    });

    test('not found errors carry codes and context', async () => {
      const reg = shared[kind];
      const repo = uniqueRepo('missing');
      const t = regs.repository(reg.host, repo);
      const err = await t.resolve('nope').catch((e: unknown) => e);
      assert.ok(err instanceof OrasdError, String(err));
      assert.ok([ErrorCodes.ManifestUnknown, ErrorCodes.NameUnknown].includes(err.code as 1007 | 1009), err.message);
      assert.equal(err.data.registry, reg.host);
      assert.equal(err.data.reference, `${reg.host}/${repo}:nope`);
      assert.equal(err.data.status, 404);
      const d = descriptorOf(MediaTypes.DefaultLayer, randomBytes(8));
      await assert.rejects(t.fetchBlob(d), (e: unknown) => e instanceof OrasdError && (e.code === ErrorCodes.BlobUnknown || e.code === ErrorCodes.NameUnknown));
    });

    test('a blob larger than the small-blob threshold streams both ways with progress', async () => {
      const reg = shared[kind];
      const t = regs.repository(reg.host, uniqueRepo('big'));
      const data = randomBytes(3 * 1024 * 1024 + 17);
      const d = descriptorOf(MediaTypes.DefaultLayer, data);
      let up = 0;
      const chunks = () => Readable.from((function* () { for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536); })());
      assert.equal(await t.pushBlob(d, chunks, { onBytes: (n) => (up = n) }), 'pushed');
      assert.equal(up, data.length);
      assert.equal(await t.pushBlob(d, chunks), 'exists');
      let down = 0;
      const got = await readAll(await t.fetchBlob(d, { onBytes: (n) => (down = n) }));
      assert.equal(down, data.length);
      assert.ok(got.equals(data));
    });

    test('a blob whose bytes do not match its descriptor fails the stream', async () => {
      const reg = shared[kind];
      const t = regs.repository(reg.host, uniqueRepo('verify'));
      const data = randomBytes(100);
      const d = descriptorOf(MediaTypes.DefaultLayer, data);
      await t.pushBlob(d, () => Readable.from([data]));
      const lying = { ...d, digest: descriptorOf('x', randomBytes(100)).digest };
      // The registry does not have the lying digest: a 404 (nothing unverified ever reaches the caller).
      await assert.rejects(async () => readAll(await t.fetchBlob(lying)), (e: unknown) => e instanceof OrasdError);
      const wrongSize = { ...d, size: 99 };
      await assert.rejects(async () => readAll(await t.fetchBlob(wrongSize)), isCode(ErrorCodes.DigestMismatch));
    });
  });
}

describe('caches', () => {
  test('1000 concurrent fetchManifest of one digest make one registry request', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('flight');
    const a = makeArtifact();
    await pushArtifact(newRegistries().repository(reg.host, repo), a);
    const fresh = newRegistries();
    try {
      const t = fresh.repository(reg.host, repo);
      const before = fresh.stats().requests;
      const all = await Promise.all(Array.from({ length: 1000 }, () => t.fetchManifest(a.manifest.digest)));
      assert.equal(fresh.stats().requests - before, 1);
      for (const r of all) assert.ok(r.bytes.equals(a.bytes));
      // and once cached, no request at all
      await t.fetchManifest(a.manifest);
      await t.resolve(a.manifest.digest);
      assert.equal(fresh.stats().requests - before, 1);
      assert.equal(fresh.stats().byOrigin[reg.url], 1);
      assert.ok(fresh.stats().manifests.hits >= 2);
    } finally {
      await fresh.close();
    }
  });

  test('one cancelled caller does not fail the others sharing its fetch', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('flight-cancel');
    const a = makeArtifact();
    await pushArtifact(newRegistries().repository(reg.host, repo), a);
    const fresh = newRegistries();
    try {
      const t = fresh.repository(reg.host, repo);
      const ac = new AbortController();
      const cancelled = t.fetchManifest(a.manifest.digest, { signal: ac.signal });
      const kept = t.fetchManifest(a.manifest.digest);
      ac.abort();
      await assert.rejects(cancelled, isCode(ErrorCodes.RequestCancelled));
      assert.ok((await kept).bytes.equals(a.bytes));
    } finally {
      await fresh.close();
    }
  });

  test('a tag moved behind the cache is seen after the TTL, and at once with noCache', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('ttl');
    const a = makeArtifact();
    const b = makeArtifact();
    const moveTo = async (to: typeof a) => {
      // Someone else moves the tag: another daemon's state, so ours is not told.
      const other = newRegistries();
      await other.repository(reg.host, repo).tag(to.manifest, 'moving');
      await other.close();
    };
    const long = newRegistries({ tagTtlMs: 60_000 });
    const short = newRegistries({ tagTtlMs: 200 });
    try {
      const t = long.repository(reg.host, repo);
      await pushArtifact(t, a, 'moving');
      await pushArtifact(t, b);
      assert.equal((await t.resolve('moving')).digest, a.manifest.digest);
      const s = short.repository(reg.host, repo);
      assert.equal((await s.resolve('moving')).digest, a.manifest.digest);
      await moveTo(b);
      assert.equal((await t.resolve('moving')).digest, a.manifest.digest, 'within the TTL the cached answer stands');
      assert.equal((await t.fetchManifest('moving')).descriptor.digest, a.manifest.digest);
      assert.equal((await t.resolve('moving', { noCache: true })).digest, b.manifest.digest, 'noCache asks the registry');
      assert.equal((await t.fetchManifest('moving', { noCache: true })).descriptor.digest, b.manifest.digest);
      await new Promise((r) => setTimeout(r, 250));
      assert.equal((await s.resolve('moving')).digest, b.manifest.digest, 'after the TTL the registry is asked again');
      const before = short.stats().requests;
      assert.equal((await s.fetchManifest('moving')).descriptor.digest, b.manifest.digest);
      assert.ok(short.stats().requests - before <= 1);
    } finally {
      await long.close();
      await short.close();
    }
  });

  test('a blob deleted behind our back is uploaded again by pushBlob', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('behind');
    const t = regs.repository(reg.host, repo);
    const data = randomBytes(200);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    assert.equal(await t.pushBlob(d, () => Readable.from([data])), 'pushed');
    assert.equal(await t.exists(d), true);
    const before = regs.stats().requests;
    assert.equal(await t.exists(d), true, 'known: no request');
    assert.equal(regs.stats().requests, before);
    const res = await httpRequest(`${reg.url}/v2/${repo}/blobs/${d.digest}`, { method: 'DELETE' });
    assert.equal(res.status, 202);
    assert.equal(await t.pushBlob(d, () => Readable.from([data])), 'pushed');
    const check = newRegistries();
    assert.equal(await check.repository(reg.host, repo).exists(d), true);
    await check.close();
  });

  test('the manifest cache stays within its byte budget; evicted manifests are fetched again', async () => {
    const small = newRegistries({ manifestCacheBytes: 4096 });
    try {
      const t = small.repository(shared.refreg.host, uniqueRepo('budget'));
      const arts = Array.from({ length: 12 }, () => makeArtifact({ annotations: { pad: 'x'.repeat(600) } }));
      for (const a of arts) await pushArtifact(t, a);
      const st = small.stats().manifests;
      assert.ok(st.bytes <= 4096 && st.entries < arts.length, JSON.stringify(st));
      const before = small.stats().requests;
      for (const a of arts) assert.ok((await t.fetchManifest(a.manifest)).bytes.equals(a.bytes));
      assert.ok(small.stats().requests - before >= arts.length - st.entries);
      assert.ok(small.stats().manifests.bytes <= 4096);
    } finally {
      await small.close();
    }
  });

  test('a manifest over 4 MiB is refused, by HEAD size and by body', async () => {
    const reg = shared.refreg;
    const repo = uniqueRepo('huge');
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ImageManifest, config: makeArtifact().config, layers: [], annotations: { pad: 'x'.repeat(4 * 1024 * 1024 + 10) } }));
    const put = await httpRequest(`${reg.url}/v2/${repo}/manifests/huge`, { method: 'PUT', headers: { 'content-type': MediaTypes.ImageManifest }, body });
    assert.equal(put.status, 201, put.text());
    const t = regs.repository(reg.host, repo);
    await assert.rejects(t.resolve('huge', { noCache: true }), isCode(ErrorCodes.ManifestTooLarge));
    await assert.rejects(t.fetchManifest('huge', { noCache: true }), isCode(ErrorCodes.ManifestTooLarge));
  });

  test('stats report bounded state', async () => {
    await pushArtifact(regs.repository(shared.refreg.host, uniqueRepo('stats')), makeArtifact(), 'v1');
    const s = regs.stats();
    assert.ok(s.requests > 0);
    assert.ok(s.manifests.entries > 0 && s.manifests.bytes > 0);
    assert.ok(s.knownBlobs.entries > 0);
    assert.equal(typeof s.tokens.entries, 'number');
  });
});

describe('uploads', () => {
  test('cross-repository mount on distribution, and a fallback upload where the source lacks the blob', async () => {
    const reg = shared.distribution;
    const from = uniqueRepo('mount-src');
    const to = uniqueRepo('mount-dst');
    const data = randomBytes(300);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    await regs.repository(reg.host, from).pushBlob(d, () => Readable.from([data]));
    let opened = 0;
    const open = () => {
      opened++;
      return Readable.from([data]);
    };
    assert.equal(await regs.repository(reg.host, to).pushBlob(d, open, { origin: { registry: reg.host, repository: from } }), 'mounted');
    assert.equal(opened, 0);
    const other = descriptorOf(MediaTypes.DefaultLayer, randomBytes(50));
    const otherData = randomBytes(50);
    const od = descriptorOf(MediaTypes.DefaultLayer, otherData);
    void other;
    assert.equal(await regs.repository(reg.host, to).pushBlob(od, () => Readable.from([otherData]), { origin: { registry: reg.host, repository: from } }), 'pushed');
  });

  test('ggcr mount answers 202: the upload goes on in that session', async () => {
    const reg = shared.refreg;
    const data = randomBytes(300);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    const outcome = await regs.repository(reg.host, uniqueRepo('mount-ggcr')).pushBlob(d, () => Readable.from([data]), { origin: { registry: reg.host, repository: uniqueRepo('src') } });
    assert.equal(outcome, 'pushed');
  });

  test('small blobs go up in one request where the registry takes it (ggcr), through a session where not (distribution)', async () => {
    const fresh = newRegistries();
    try {
      const perBlob = async (reg: RunningRegistry, repo: string): Promise<number[]> => {
        const t = fresh.repository(reg.host, repo);
        const counts: number[] = [];
        for (let i = 0; i < 3; i++) {
          const data = randomBytes(1000 + i);
          const d = descriptorOf(MediaTypes.DefaultLayer, data);
          const before = fresh.stats().requests;
          assert.equal(await t.pushBlob(d, () => Readable.from([data])), 'pushed');
          counts.push(fresh.stats().requests - before);
          const stored = await httpRequest(`${reg.url}/v2/${repo}/blobs/${d.digest}`);
          assert.equal(stored.status, 200);
          assert.ok(stored.body.equals(data), `${reg.kind} stored the bytes pushed`);
        }
        return counts;
      };
      assert.deepEqual(await perBlob(shared.refreg, uniqueRepo('one-request')), [1, 1, 1]);
      assert.deepEqual(await perBlob(shared.distribution, uniqueRepo('session')), [2, 2, 2]);
      // Content the registry finds wrong is this upload's error; the form stays in use.
      const t = fresh.repository(shared.refreg.host, uniqueRepo('one-request-liar'));
      const d = descriptorOf(MediaTypes.DefaultLayer, randomBytes(40));
      await assert.rejects(t.pushBlob(d, () => Readable.from([randomBytes(40)])), (e: unknown) => e instanceof OrasdError && e.code !== ErrorCodes.InternalError);
      const data = randomBytes(40);
      const before = fresh.stats().requests;
      await t.pushBlob(descriptorOf(MediaTypes.DefaultLayer, data), () => Readable.from([data]));
      assert.equal(fresh.stats().requests - before, 1);
    } finally {
      await fresh.close();
    }
  });

  test('content that is not what the descriptor says is refused', async () => {
    const t = regs.repository(shared.distribution.host, uniqueRepo('liar'));
    const d = descriptorOf(MediaTypes.DefaultLayer, randomBytes(40));
    await assert.rejects(t.pushBlob(d, () => Readable.from([randomBytes(40)])), (e: unknown) => e instanceof OrasdError && e.code !== ErrorCodes.InternalError);
    await assert.rejects(t.pushBlob({ ...d, size: 41 }, () => Readable.from([randomBytes(40)])), (e: unknown) => e instanceof OrasdError);
  });

  test('the empty config blob and a manifest pushed by digest', async () => {
    const t = regs.repository(shared.refreg.host, uniqueRepo('bydigest'));
    const a = makeArtifact();
    await t.pushBlob(a.config, () => Readable.from([EMPTY_CONFIG]));
    await pushArtifact(t, a);
    assert.deepEqual(await t.resolve(a.manifest.digest), a.manifest);
  });
});

describe('listings', () => {
  test('tags follow pagination on both registries', async () => {
    for (const kind of ['distribution', 'refreg'] as const) {
      const reg = shared[kind];
      const paged = newRegistries({ pageSize: 3 });
      const t = paged.repository(reg.host, uniqueRepo('tags'));
      const a = makeArtifact();
      await pushArtifact(t, a);
      const names = Array.from({ length: 10 }, (_, i) => `t${String(i).padStart(2, '0')}`);
      for (const n of names) await t.tag(a.manifest, n);
      assert.deepEqual((await t.tags()).sort(), names, kind);
      assert.deepEqual((await t.tags({ last: 't06' })).sort(), ['t07', 't08', 't09'], kind);
      await paged.close();
    }
  });

  test('catalog lists repositories across pages', async () => {
    const reg = shared.distribution;
    const paged = newRegistries({ pageSize: 2 });
    const repos = [uniqueRepo('cat'), uniqueRepo('cat'), uniqueRepo('cat')];
    for (const r of repos) await pushArtifact(paged.repository(reg.host, r), makeArtifact());
    const all = await paged.catalog(reg.host).repositories();
    for (const r of repos) assert.ok(all.includes(r), r);
    await paged.close();
  });
});
