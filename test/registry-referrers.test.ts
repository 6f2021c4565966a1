// Referrers through a RegistryTarget: the tag-schema fallback index on CNCF distribution (checked
// against what the real `oras discover` sees), and the referrers API on ggcr's registry.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes, OrasdError } from '../src/errors';
import { parseManifest } from '../src/oci/manifest';
import { MediaTypes } from '../src/oci/mediatypes';
import { referrersTag } from '../src/oci/reference';
import type { Registries, RegistryTarget } from '../src/targets/registry';
import { ensureTools, getSharedRegistries, httpRequest, oras, startRefRegistry, type RunningRegistry, type Tools } from './registries/harness';
import { makeArtifact, newRegistries, pushArtifact, uniqueRepo, type Artifact } from './support/registry-fixtures';

let tools: Tools;
let shared: { distribution: RunningRegistry; refreg: RunningRegistry; olareg: RunningRegistry };
let plainGgcr: RunningRegistry;
let pagedGgcr: RunningRegistry;
let regs: Registries;
let work: string;

before(async () => {
  tools = await ensureTools();
  shared = await getSharedRegistries();
  [plainGgcr, pagedGgcr] = await Promise.all([startRefRegistry(), startRefRegistry({ compliantReferrers: true, referrersPageSize: 2 })]);
  regs = newRegistries();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-referrers-'));
});
after(async () => {
  await regs.close();
  await Promise.all([plainGgcr.stop(), pagedGgcr.stop()]);
  fs.rmSync(work, { recursive: true, force: true });
});

interface Discovered {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  referrers?: Discovered[];
}

async function discover(_reg: RunningRegistry, ref: string, spec = 'v1.1-referrers-tag'): Promise<Discovered[]> {
  const r = await oras(tools, ['discover', '--plain-http', '--distribution-spec', spec, '--format', 'json', '--depth', '1', ref]);
  assert.equal(r.code, 0, r.stderr);
  return ((JSON.parse(r.stdout) as Discovered).referrers ?? []).map((d) => ({ digest: d.digest, ...(d.artifactType ? { artifactType: d.artifactType } : {}) }));
}

const byDigest = (a: { digest: string }, b: { digest: string }) => a.digest.localeCompare(b.digest);

async function subjectIn(t: RegistryTarget): Promise<Artifact> {
  const s = makeArtifact();
  await pushArtifact(t, s, 'subject');
  return s;
}

async function tagHead(reg: RunningRegistry, repo: string, tag: string): Promise<number> {
  const res = await httpRequest(`${reg.url}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: MediaTypes.ImageIndex } });
  return res.status;
}

describe('distribution: tag-schema fallback index', () => {
  test('referrers pushed here are what oras discover sees; superseded indexes are deleted', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('fallback');
    const t = regs.repository(reg.host, repo);
    const s = await subjectIn(t);
    const refs: Artifact[] = [];
    const indexDigests: string[] = [];
    for (const type of ['application/vnd.test.sig', 'application/vnd.test.sbom', 'application/vnd.test.sig']) {
      const r = makeArtifact({ subject: s.manifest, artifactType: type, annotations: { 'org.example.n': String(refs.length) } });
      await pushArtifact(t, r);
      refs.push(r);
      indexDigests.push((await t.resolve(referrersTag(s.manifest.digest), { noCache: true })).digest);
    }
    const listed = await t.referrers(s.manifest);
    assert.deepEqual(listed.map((d) => d.digest).sort(), refs.map((r) => r.manifest.digest).sort());
    for (const d of listed) {
      assert.equal(d.mediaType, MediaTypes.ImageManifest);
      assert.ok(d.artifactType?.startsWith('application/vnd.test.'));
      assert.ok(d.annotations?.['org.example.n'] !== undefined);
    }
    const seen = await discover(reg, `${reg.host}/${repo}:subject`);
    assert.deepEqual(seen.sort(byDigest), listed.map((d) => ({ digest: d.digest, artifactType: d.artifactType })).sort(byDigest));
    assert.deepEqual((await t.referrers(s.manifest, { artifactType: 'application/vnd.test.sbom' })).map((d) => d.digest), [refs[1]!.manifest.digest]);
    // The two superseded index versions are gone; the current one is under the tag.
    for (const old of indexDigests.slice(0, -1)) {
      const res = await httpRequest(`${reg.url}/v2/${repo}/manifests/${old}`, { method: 'HEAD', headers: { accept: MediaTypes.ImageIndex } });
      assert.equal(res.status, 404, `old index ${old}`);
    }
  });

  test('an index oras wrote is extended, not replaced; deleting referrers edits it; the last one removes the tag', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('interop');
    const t = regs.repository(reg.host, repo);
    await subjectIn(t);
    fs.writeFileSync(path.join(work, 'sig.txt'), 'signature\n');
    const attached = await oras(tools, ['attach', '--plain-http', '--distribution-spec', 'v1.1-referrers-tag', '--format', 'json', '--artifact-type', 'application/vnd.oras.sig', `${reg.host}/${repo}:subject`, 'sig.txt'], { cwd: work });
    assert.equal(attached.code, 0, attached.stderr);
    const orasDigest = (JSON.parse(attached.stdout) as { digest: string }).digest;
    const s = await t.fetchManifest('subject');
    const mine = makeArtifact({ subject: s.descriptor, artifactType: 'application/vnd.test.mine' });
    await pushArtifact(t, mine);
    assert.deepEqual((await discover(reg, `${reg.host}/${repo}:subject`)).map((d) => d.digest).sort(), [orasDigest, mine.manifest.digest].sort());

    await t.deleteManifest(mine.manifest);
    assert.deepEqual((await discover(reg, `${reg.host}/${repo}:subject`)).map((d) => d.digest), [orasDigest]);
    assert.deepEqual((await t.referrers(s.descriptor)).map((d) => d.digest), [orasDigest]);

    // The referrer oras attached, deleted by us: the index empties and its tag goes.
    const orasManifest = await t.fetchManifest(orasDigest);
    await t.deleteManifest(orasManifest.descriptor);
    assert.equal(await tagHead(reg, repo, referrersTag(s.descriptor.digest)), 404);
    assert.deepEqual(await t.referrers(s.descriptor), []);
    assert.deepEqual(await discover(reg, `${reg.host}/${repo}:subject`), []);
  });

  test('50 concurrent referrer pushes to one subject lose none', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('concurrent');
    const fresh = newRegistries();
    try {
      const t = fresh.repository(reg.host, repo);
      const s = await subjectIn(t);
      const refs = Array.from({ length: 50 }, (_, i) => makeArtifact({ subject: s.manifest, artifactType: `application/vnd.test.n${i % 3}` }));
      const before = fresh.stats().requests;
      await Promise.all(refs.map((r) => pushArtifact(t, r)));
      const used = fresh.stats().requests - before;
      const want = refs.map((r) => r.manifest.digest).sort();
      assert.deepEqual((await t.referrers(s.manifest, { noCache: true })).map((d) => d.digest).sort(), want);
      assert.deepEqual((await discover(reg, `${reg.host}/${repo}:subject`)).map((d) => d.digest).sort(), want);
      // Index updates are batched: far fewer than 3 requests per referrer for index maintenance.
      console.log(`requests used: ${used}`);
      assert.ok(used < 50 * 4 + 50 * 2, `requests used: ${used}`);
    } finally {
      await fresh.close();
    }
  });

  test('two daemons attaching to one subject both end up in the index', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('two-daemons');
    const a = newRegistries();
    const b = newRegistries();
    try {
      const s = await subjectIn(a.repository(reg.host, repo));
      const ra = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.a' });
      const rb = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.b' });
      await pushArtifact(a.repository(reg.host, repo), ra);
      await pushArtifact(b.repository(reg.host, repo), rb);
      const rc = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.c' });
      // a's remembered index is stale now: its HEAD revalidation must notice b's write.
      await pushArtifact(a.repository(reg.host, repo), rc);
      const all = [ra, rb, rc].map((r) => r.manifest.digest).sort();
      assert.deepEqual((await a.repository(reg.host, repo).referrers(s.manifest)).map((d) => d.digest).sort(), all);
      // b cached the index it wrote; another daemon's later write shows after the tag TTL, or with noCache.
      assert.deepEqual((await b.repository(reg.host, repo).referrers(s.manifest, { noCache: true })).map((d) => d.digest).sort(), all);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a fallback tag holding something else is never overwritten', async () => {
    const reg = shared.distribution;
    const repo = uniqueRepo('squatted');
    const t = regs.repository(reg.host, repo);
    const s = await subjectIn(t);
    const squatter = makeArtifact();
    await pushArtifact(t, squatter, referrersTag(s.manifest.digest));
    const r = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' });
    await t.pushBlob(r.config, async () => (await import('node:stream')).Readable.from([Buffer.from('{}')]));
    await assert.rejects(pushArtifact(t, r), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.InvalidReferrersIndex && /not a referrers image index/.test(e.message));
    await assert.rejects(t.referrers(s.manifest), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.InvalidReferrersIndex);
    assert.equal((await t.resolve(referrersTag(s.manifest.digest), { noCache: true })).digest, squatter.manifest.digest);
  });

  test('forcing the referrers API where there is none is an Unsupported error', async () => {
    const reg = shared.distribution;
    const t = regs.repository(reg.host, uniqueRepo('forced-api'), { distributionSpec: 'v1.1-referrers-api' });
    const s = await subjectIn(t);
    await assert.rejects(t.referrers(s.manifest), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.Unsupported);
  });
});

describe('ggcr: referrers API', () => {
  test('compliant refreg (OCI-Subject): no fallback tag, server-side artifactType filter', async () => {
    const reg = shared.refreg;
    const repo = uniqueRepo('api');
    const fresh = newRegistries();
    try {
      const t = fresh.repository(reg.host, repo);
      const s = await subjectIn(t);
      const r1 = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' });
      const r2 = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sbom' });
      await pushArtifact(t, r1);
      await pushArtifact(t, r2);
      assert.equal(await tagHead(reg, repo, referrersTag(s.manifest.digest)), 404);
      assert.deepEqual((await t.referrers(s.manifest)).map((d) => d.digest).sort(), [r1, r2].map((r) => r.manifest.digest).sort());
      const sigs = await t.referrers(s.manifest, { artifactType: 'application/vnd.test.sig' });
      assert.deepEqual(sigs.map((d) => d.digest), [r1.manifest.digest]);
      assert.equal(sigs[0]!.artifactType, 'application/vnd.test.sig');
      assert.deepEqual(await discover(reg, `${reg.host}/${repo}:subject`, 'v1.1-referrers-api').then((l) => l.length), 2);
      // deleting a referrer needs no index edit: the API forgets it by itself
      await t.deleteManifest(r1.manifest);
      assert.deepEqual((await t.referrers(s.manifest)).map((d) => d.digest), [r2.manifest.digest]);
    } finally {
      await fresh.close();
    }
  });

  test('a listing in pages (Link rel="next") is followed to the end, filtered or not; oras sees the same', async () => {
    const reg = pagedGgcr;
    const repo = uniqueRepo('paged');
    const t = regs.repository(reg.host, repo);
    const s = await subjectIn(t);
    const sigs = [0, 1, 2].map(() => makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' }));
    const sboms = [0, 1].map(() => makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sbom' }));
    for (const r of [...sigs, ...sboms]) await pushArtifact(t, r);
    // The registry really pages: the first answer holds two and links to the next.
    const first = await httpRequest(`${reg.url}/v2/${repo}/referrers/${s.manifest.digest}`, { headers: { accept: MediaTypes.ImageIndex } });
    assert.equal((JSON.parse(first.body.toString()) as { manifests: unknown[] }).manifests.length, 2);
    assert.match(String(first.headers['link']), /rel="next"/);
    const digests = (l: { digest: string }[]) => l.map((d) => d.digest).sort();
    assert.deepEqual(digests(await t.referrers(s.manifest, { noCache: true })), digests([...sigs, ...sboms].map((r) => r.manifest)));
    assert.deepEqual(digests(await t.referrers(s.manifest, { artifactType: 'application/vnd.test.sig', noCache: true })), digests(sigs.map((r) => r.manifest)));
    assert.deepEqual(digests(await discover(reg, `${reg.host}/${repo}:subject`, 'v1.1-referrers-api')), digests([...sigs, ...sboms].map((r) => r.manifest)));
  });

  test('plain ggcr (no OCI-Subject on the PUT): the tag schema is kept, as oras-go does, and read back', async () => {
    const reg = plainGgcr;
    const repo = uniqueRepo('probe');
    const t = regs.repository(reg.host, repo);
    const s = await subjectIn(t);
    const r = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' });
    const before = regs.stats().requests;
    await pushArtifact(t, r);
    assert.equal(await tagHead(reg, repo, referrersTag(s.manifest.digest)), 200);
    assert.ok(regs.stats().requests - before <= 6, 'no referrers probe after the PUT');
    const listed = await t.referrers(s.manifest);
    assert.deepEqual(listed.map((d) => d.digest), [r.manifest.digest]);
    assert.deepEqual(await t.referrers(makeArtifact().manifest), []);
  });

  test('distributionSpec v1.1-referrers-tag keeps a fallback index even where the API exists', async () => {
    const reg = shared.refreg;
    const repo = uniqueRepo('forced-tag');
    const t = regs.repository(reg.host, repo, { distributionSpec: 'v1.1-referrers-tag' });
    const s = await subjectIn(t);
    const r = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' });
    await pushArtifact(t, r);
    const index = await t.fetchManifest(referrersTag(s.manifest.digest), { noCache: true });
    const parsed = parseManifest(index.bytes, index.descriptor.mediaType);
    assert.equal(parsed.kind, 'index');
    assert.deepEqual(parsed.kind === 'index' && parsed.json.manifests.map((d) => d.digest), [r.manifest.digest]);
    assert.deepEqual((await t.referrers(s.manifest)).map((d) => d.digest), [r.manifest.digest]);
    // The last referrer goes: ggcr keeps tags of deleted digests, so the target deletes the tag itself.
    await t.deleteManifest(r.manifest);
    assert.equal(await tagHead(reg, repo, referrersTag(s.manifest.digest)), 404);
    assert.deepEqual(await t.referrers(s.manifest, { noCache: true }), []);
  });
});
