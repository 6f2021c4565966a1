/**
 * Graph operations beyond the walkthrough: concurrent attaches on the tag-schema fallback, the
 * read-back of referrers listings after attach and copy -r (lost entries put again), filtering,
 * copies between the two kinds of registry, healing, cancellation and bad input.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OrasdRequestError, type OrasdClient } from '../clients/typescript/client';
import { ErrorCodes } from '../protocol/errors';
import { startFaultProxy, type FaultProxy } from './registries/fault-proxy';
import { ensureTools, getSharedRegistries, httpRequest, oras, startDistribution, type RunningRegistry, type Tools } from './registries/harness';
import { startDaemon, type TestDaemon } from './support/daemon';
import { shape } from './support/graph';

let daemon: TestDaemon;
let client: OrasdClient;
let tools: Tools;
let registries: { distribution: RunningRegistry; refreg: RunningRegistry; olareg: RunningRegistry };
let ws: string;

before(async () => {
  [tools, registries, daemon] = await Promise.all([ensureTools(), getSharedRegistries(), startDaemon()]);
  client = await daemon.client();
  ws = await mkdtemp(join(tmpdir(), 'orasd-graph-'));
  await writeFile(join(ws, 'subject.txt'), 'subject');
  await writeFile(join(ws, 'sig.json'), '{"signature":true}');
  await writeFile(join(ws, 'big.bin'), randomBytes(48 * 1024 * 1024));
});
after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
});

const uniq = () => randomBytes(3).toString('hex');

async function rejectsWith(p: Promise<unknown>, code: number): Promise<OrasdRequestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof OrasdRequestError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected error ${code}`);
}

/** Builds subject ← {signature, sbom ← signature} in a repository; returns the subject reference. */
async function buildGraph(host: string, repo: string): Promise<string> {
  const ref = `${host}/${repo}:v1`;
  await client.push({ reference: ref, cwd: ws, files: [{ path: 'subject.txt' }] });
  await client.attach({ reference: ref, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }] });
  const sbom = await client.attach({ reference: ref, cwd: ws, artifactType: 'sbom/example', files: [{ path: 'sig.json' }], annotations: { kind: 'sbom' } });
  await client.attach({ reference: `${host}/${repo}@${sbom.digest}`, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }] });
  return ref;
}

describe('the referrers tag-schema fallback', () => {
  test('50 attaches from 5 connections at once lose no referrer (and what 50 oras processes keep)', async () => {
    const reg = registries.distribution;
    const subject = `${reg.host}/race/r-${uniq()}:v1`;
    await client.push({ reference: subject, cwd: ws, files: [{ path: 'subject.txt' }] });
    const clients = await Promise.all([0, 1, 2, 3, 4].map(() => daemon.client()));
    const attached = await Promise.all(
      Array.from({ length: 50 }, (_, i) => clients[i % 5]!.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }], annotations: { n: String(i) } })),
    );
    const found = await client.discover({ reference: subject, noCache: true });
    assert.equal(new Set(attached.map((a) => a.digest)).size, 50);
    assert.deepEqual(found.referrers.map((r) => r.digest).sort(), attached.map((a) => a.digest).sort());
    const viaOras = await oras(tools, ['discover', '--plain-http', '--format', 'json', subject]);
    assert.equal(JSON.parse(viaOras.stdout).referrers.length, 50);

    // The same load through 50 concurrent oras processes, for the record.
    const theirs = `${reg.host}/race/oras-${uniq()}:v1`;
    await client.push({ reference: theirs, cwd: ws, files: [{ path: 'subject.txt' }] });
    await Promise.all(Array.from({ length: 50 }, (_, i) => oras(tools, ['attach', '--plain-http', '--artifact-type', 'signature/example', '-a', `n=${i}`, theirs, 'sig.json'], { cwd: ws })));
    const kept = (await client.discover({ reference: theirs, noCache: true })).referrers.length;
    console.log(`# referrers kept after 50 concurrent attaches: orasd 50/50, oras CLI ${kept}/50`);
  });

  test('a fallback tag holding something other than an index is reported, never treated as referrers', async () => {
    const reg = registries.distribution;
    const repo = `${reg.host}/fallback/bad-${uniq()}`;
    const subject = await client.push({ reference: `${repo}:v1`, cwd: ws, files: [{ path: 'subject.txt' }] });
    const impostor = await client.push({ reference: `${repo}:x`, cwd: ws, files: [{ path: 'sig.json' }] });
    await client.tag({ reference: `${repo}@${impostor.digest}`, tags: [`sha256-${subject.digest.slice(7)}`] });
    const e = await rejectsWith(client.discover({ reference: `${repo}:v1`, noCache: true }), ErrorCodes.InvalidReferrersIndex);
    assert.match(e.message, /sha256-/);
    await rejectsWith(client.attach({ reference: `${repo}:v1`, cwd: ws, artifactType: 'a/b', files: [{ path: 'sig.json' }] }), ErrorCodes.InvalidReferrersIndex);
    // The impostor is untouched.
    assert.equal((await client.resolve({ reference: `${repo}:sha256-${subject.digest.slice(7)}`, noCache: true })).digest, impostor.digest);
  });
});

describe('a graph write is done when the registry lists it', () => {
  // olareg updates its referrers listing with a read-modify-write that drops entries when PUTs
  // of one subject overlap; distribution has no API (orasd keeps the tag-schema index).
  for (const kind of ['olareg', 'distribution'] as const) {
    test(`20 attaches to one subject at once through the daemon: all 20 listed (${kind}), none needed a re-put`, async () => {
      const reg = registries[kind];
      const subject = `${reg.host}/listed/r-${uniq()}:v1`;
      await client.push({ reference: subject, cwd: ws, files: [{ path: 'subject.txt' }] });
      const clients = await Promise.all([0, 1, 2, 3].map(() => daemon.client()));
      const checkedBefore = (await client.call('status', {})).referrers.checked;
      const attached = await Promise.all(
        Array.from({ length: 20 }, (_, i) => clients[i % 4]!.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }], annotations: { n: String(i) } })),
      );
      const reads = (await client.call('status', {})).referrers.checked - checkedBefore;
      console.log(`# ${kind}: 20 concurrent attaches, ${reads} read-backs of the listing`);
      // On the tag schema the index updates are batched, and so are the read-backs after them.
      if (kind === 'distribution') assert.ok(reads < 20, `${reads} read-backs`);
      const want = attached.map((a) => a.digest).sort();
      assert.equal(new Set(want).size, 20);
      assert.deepEqual((await client.discover({ reference: subject, noCache: true })).referrers.map((r) => r.digest).sort(), want);
      const viaOras = await oras(tools, ['discover', '--plain-http', '--format', 'json', subject]);
      assert.equal(viaOras.code, 0, viaOras.stderr);
      assert.deepEqual((JSON.parse(viaOras.stdout).referrers as { digest: string }[]).map((r) => r.digest).sort(), want);
      // The daemon puts one subject's referrers one at a time, so the registry had nothing to lose.
      assert.deepEqual(attached.map((a) => a.referrersHealed), Array(20).fill(0));
    });
  }

  test('20 attaches to one subject at once: the daemon never has two of its PUTs in flight (olareg)', async () => {
    // Each manifest PUT is held a moment on its way, so any overlap would be seen.
    const proxy = await startFaultProxy(registries.olareg.url);
    let inFlight = 0;
    let overlapped = 0;
    proxy.addRule({
      method: 'PUT',
      path: /\/manifests\//,
      when: () => {
        if (inFlight > 0) overlapped++;
        inFlight++;
        setTimeout(() => inFlight--, 50);
        return true;
      },
      fault: { kind: 'stall-headers', ms: 50 },
    });
    try {
      const subject = `${proxy.host}/listed/order-${uniq()}:v1`;
      await client.push({ reference: subject, cwd: ws, files: [{ path: 'subject.txt' }] });
      const clients = await Promise.all([0, 1, 2, 3].map(() => daemon.client()));
      const attached = await Promise.all(
        Array.from({ length: 20 }, (_, i) => clients[i % 4]!.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }], annotations: { n: String(i) } })),
      );
      assert.equal(overlapped, 0);
      assert.equal((await client.discover({ reference: subject, noCache: true })).referrers.length, 20);
      assert.deepEqual(attached.map((a) => a.referrersHealed), Array(20).fill(0));
    } finally {
      await proxy.stop();
    }
  });

  test('20 oras processes attaching at once to one subject on olareg: what they keep (for the record)', async () => {
    const theirs = `${registries.olareg.host}/listed/oras-${uniq()}:v1`;
    await client.push({ reference: theirs, cwd: ws, files: [{ path: 'subject.txt' }] });
    await Promise.all(Array.from({ length: 20 }, (_, i) => oras(tools, ['attach', '--plain-http', '--artifact-type', 'signature/example', '-a', `n=${i}`, theirs, 'sig.json'], { cwd: ws })));
    const kept = (await client.discover({ reference: theirs, noCache: true })).referrers.length;
    console.log(`# olareg: referrers listed after 20 concurrent attaches: orasd 20/20, oras CLI ${kept}/20`);
  });

  /**
   * olareg behind a proxy that loses each referrer's listing entry on its first PUT (as an
   * overlapping PUT from another process does); `hideAlways` hides some for good.
   */
  async function losingOlareg(hideAlways: (digest: string) => boolean = () => false): Promise<{ proxy: FaultProxy; puts: Map<string, number> }> {
    const proxy = await startFaultProxy(registries.olareg.url);
    const puts = new Map<string, number>();
    proxy.addRule({
      method: 'PUT',
      path: /\/manifests\/sha256:[a-f0-9]{64}$/,
      when: (req) => {
        const d = /sha256:[a-f0-9]{64}$/.exec(req.url!.split('?')[0]!)![0];
        puts.set(d, (puts.get(d) ?? 0) + 1);
        return false;
      },
      fault: { kind: 'status', status: 500 },
    });
    proxy.addRule({
      method: 'GET',
      path: /\/referrers\/sha256:/,
      fault: {
        kind: 'rewrite',
        body: (b) => {
          const index = JSON.parse(b.toString()) as { manifests?: { digest: string }[] };
          index.manifests = (index.manifests ?? []).filter((m) => (puts.get(m.digest) ?? 0) >= 2 && !hideAlways(m.digest));
          return Buffer.from(JSON.stringify(index));
        },
      },
    });
    return { proxy, puts };
  }

  const healedCount = async () => (await client.call('status', {})).referrers.healed;

  test('attach: a referrer the listing lost is put again until listed, and counted', async () => {
    const { proxy, puts } = await losingOlareg();
    try {
      const subject = `${proxy.host}/listed/lost-${uniq()}:v1`;
      await client.push({ reference: subject, cwd: ws, files: [{ path: 'subject.txt' }] });
      const before = await healedCount();
      const a = await client.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }] });
      assert.equal(a.referrersHealed, 1);
      assert.equal(puts.get(a.digest), 2);
      assert.deepEqual((await client.discover({ reference: subject, noCache: true })).referrers.map((r) => r.digest), [a.digest]);
      assert.equal((await healedCount()) - before, 1);
    } finally {
      await proxy.stop();
    }
  });

  test('attach: a referrer the listing never shows is INCOMPLETE_GRAPH naming it, not a success', async () => {
    const { proxy, puts } = await losingOlareg(() => true);
    try {
      const subject = `${proxy.host}/listed/never-${uniq()}:v1`;
      const s = await client.push({ reference: subject, cwd: ws, files: [{ path: 'subject.txt' }] });
      const e = await rejectsWith(client.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }] }), ErrorCodes.IncompleteGraph);
      const [digest] = [...puts.keys()].filter((d) => d !== s.digest);
      assert.ok(digest);
      assert.ok(e.message.includes(digest!), e.message);
      assert.ok(e.message.includes(`${proxy.host}/listed/never-`), e.message);
      assert.deepEqual((e.data?.detail as { missing: string[] }).missing, [digest]);
      assert.ok((await client.call('status', {})).referrers.incomplete >= 1);
    } finally {
      await proxy.stop();
    }
  });

  test('attach: three at once that the listing never shows fail each naming its own referrer', async () => {
    const { proxy, puts } = await losingOlareg(() => true);
    try {
      const subject = `${proxy.host}/listed/never3-${uniq()}:v1`;
      const s = await client.push({ reference: subject, cwd: ws, files: [{ path: 'subject.txt' }] });
      const errors = await Promise.all(
        [0, 1, 2].map((i) => rejectsWith(client.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }], annotations: { n: String(i) } }), ErrorCodes.IncompleteGraph)),
      );
      const named = errors.map((e) => (e.data?.detail as { missing: string[] }).missing);
      assert.ok(named.every((m) => m.length === 1), JSON.stringify(named));
      assert.deepEqual(named.flat().sort(), [...puts.keys()].filter((d) => d !== s.digest).sort());
    } finally {
      await proxy.stop();
    }
  });

  test('copy -r: referrers the destination listing lost are put again; the tree equals the source', async () => {
    const { proxy } = await losingOlareg();
    try {
      const src = await buildGraph(registries.refreg.host, `listed/src-${uniq()}`);
      const dst = `${proxy.host}/listed/dst-${uniq()}:v1`;
      const out = await client.copy({ source: src, destination: dst, recursive: true });
      assert.equal(out.stats.referrersHealed, 3);
      assert.deepEqual(shape(await client.discover({ reference: dst, noCache: true })), shape(await client.discover({ reference: src })));
    } finally {
      await proxy.stop();
    }
  });

  test('copy -r: referrers already at the destination but listed nowhere are put again', async () => {
    const reg = registries.distribution;
    const src = await buildGraph(registries.refreg.host, `listed/src-${uniq()}`);
    const dstRepo = `listed/unlisted-${uniq()}`;
    const dst = `${reg.host}/${dstRepo}:v1`;
    const first = await client.copy({ source: src, destination: dst, recursive: true });
    assert.equal(first.stats.referrersHealed, 0);
    // Lose the subject's fallback index behind the daemon's back: its two referrers stay stored, listed nowhere.
    const index = await httpRequest(`${reg.url}/v2/${dstRepo}/manifests/sha256-${first.digest.slice(7)}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    assert.equal(index.status, 200);
    const del = await httpRequest(`${reg.url}/v2/${dstRepo}/manifests/${index.headers['docker-content-digest']}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    assert.equal((await client.discover({ reference: dst, noCache: true })).referrers.length, 0);
    const again = await client.copy({ source: src, destination: dst, recursive: true });
    assert.equal(again.stats.manifests, 0, 'everything was stored already');
    assert.equal(again.stats.referrersHealed, 2);
    assert.deepEqual(shape(await client.discover({ reference: dst, noCache: true })), shape(await client.discover({ reference: src })));
    const viaOras = await oras(tools, ['discover', '--plain-http', '--format', 'json', dst]);
    assert.deepEqual(shape(JSON.parse(viaOras.stdout)), shape(await client.discover({ reference: src })));
  });
});

describe('discover', () => {
  for (const kind of ['refreg', 'olareg', 'distribution'] as const) {
    test(`artifactType filtering on every level (${kind === 'distribution' ? 'client-side' : 'server-side'})`, async () => {
      const ref = await buildGraph(registries[kind].host, `filter/f-${uniq()}`);
      const sigs = await client.discover({ reference: ref, artifactType: 'signature/example' });
      assert.equal(sigs.referrers.length, 1);
      assert.ok(sigs.referrers.every((r) => r.artifactType === 'signature/example'));
      const sboms = await client.discover({ reference: ref, artifactType: 'sbom/example' });
      assert.equal(sboms.manifests.length, 1);
      assert.equal(sboms.manifests[0]!.annotations!.kind, 'sbom');
      assert.equal(sboms.referrers[0]!.referrers.length, 0, 'the filter applies at every level, like oras');
      const depth1 = await client.discover({ reference: ref, depth: 1 });
      assert.equal(depth1.referrers.length, 2);
      assert.ok(depth1.referrers.every((r) => r.referrers.length === 0));
    });
  }

  test('an unknown reference is NOT FOUND; a malformed one INVALID REFERENCE', async () => {
    const e = await rejectsWith(client.discover({ reference: `${registries.refreg.host}/nothing/here:v1` }), ErrorCodes.ManifestUnknown);
    assert.equal(e.data?.registry, registries.refreg.host);
    await rejectsWith(client.discover({ reference: 'not a reference' }), ErrorCodes.InvalidReference);
  });
});

describe('attach', () => {
  test('to a subject that does not exist: a clear error, nothing pushed', async () => {
    const repo = `${registries.distribution.host}/attach/none-${uniq()}`;
    const e = await rejectsWith(client.attach({ reference: `${repo}:missing`, cwd: ws, artifactType: 'a/b', files: [{ path: 'sig.json' }] }), ErrorCodes.ManifestUnknown);
    assert.match(e.message, /subject/);
    const tags = await client.call('repo/tags', { reference: repo }).catch(() => ({ tags: [] as string[] }));
    assert.deepEqual(tags.tags, []);
  });
});

describe('copy', () => {
  for (const [from, to] of [
    ['refreg', 'distribution'],
    ['distribution', 'refreg'],
    ['olareg', 'distribution'],
    ['distribution', 'olareg'],
  ] as const) {
    test(`-r from ${from} to ${to}: the whole graph arrives, as oras sees it`, async () => {
      const src = await buildGraph(registries[from].host, `copy/src-${uniq()}`);
      const dst = `${registries[to].host}/copy/dst-${uniq()}:promoted`;
      const out = await client.copy({ source: src, destination: dst, recursive: true });
      assert.equal(out.stats.manifests, 4);
      const want = shape(await client.discover({ reference: src }));
      assert.deepEqual(shape(await client.discover({ reference: dst, noCache: true })), want);
      const r = await oras(tools, ['discover', '--plain-http', '--format', 'json', dst]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(shape(JSON.parse(r.stdout)), want);
    });
  }

  test('interop: oras cp -r copies an orasd graph; orasd copies an oras graph', async () => {
    const ours = await buildGraph(registries.refreg.host, `interop/ours-${uniq()}`);
    const dst1 = `${registries.distribution.host}/interop/by-oras-${uniq()}:v1`;
    const r = await oras(tools, ['cp', '-r', '--from-plain-http', '--to-plain-http', ours, dst1]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(shape(await client.discover({ reference: dst1, noCache: true })), shape(await client.discover({ reference: ours })));

    const host = registries.distribution.host;
    const theirs = `${host}/interop/theirs-${uniq()}:v1`;
    assert.equal((await oras(tools, ['push', '--plain-http', theirs, 'subject.txt'], { cwd: ws })).code, 0);
    assert.equal((await oras(tools, ['attach', '--plain-http', '--artifact-type', 'signature/example', theirs, 'sig.json'], { cwd: ws })).code, 0);
    const dst2 = `${registries.refreg.host}/interop/by-orasd-${uniq()}:v1`;
    await client.copy({ source: theirs, destination: dst2, recursive: true });
    const viaOras = await oras(tools, ['discover', '--plain-http', '--format', 'json', dst2]);
    assert.deepEqual(shape(JSON.parse(viaOras.stdout)), shape(await client.discover({ reference: theirs })));
  });

  test('a partial destination (manifest present, a blob missing) is healed', async () => {
    const reg = registries.distribution;
    const src = `${registries.refreg.host}/heal/src-${uniq()}:v1`;
    const pushed = await client.push({ reference: src, cwd: ws, files: [{ path: 'subject.txt' }, { path: 'sig.json' }] });
    const dstRepo = `${reg.host}/heal/dst-${uniq()}`;
    await client.copy({ source: src, destination: `${dstRepo}:v1` });
    // Break the destination behind the daemon's back: delete one layer blob.
    const layer = pushed.layers[1]!;
    const del = await httpRequest(`${reg.url}/v2/${dstRepo.slice(reg.host.length + 1)}/blobs/${layer.digest}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    const healed = await client.copy({ source: src, destination: `${dstRepo}:v1`, noCache: true });
    assert.equal(healed.stats.healed, 1);
    assert.ok(healed.stats.blobs >= 1);
    const out = await mkdtemp(join(tmpdir(), 'orasd-healed-'));
    await client.pull({ reference: `${dstRepo}:v1`, output: out });
    await rm(out, { recursive: true });
  });

  test('cancellation mid-copy leaves no manifest whose blobs are missing', async () => {
    const src = `${registries.refreg.host}/cancel/src-${uniq()}:v1`;
    await client.push({ reference: src, cwd: ws, files: [{ path: 'big.bin' }, { path: 'sig.json' }] });
    const dst = `${registries.distribution.host}/cancel/dst-${uniq()}`;
    const ctrl = new AbortController();
    const p = client.copy({ source: src, destination: `${dst}:v1` }, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 150);
    await rejectsWith(p, ErrorCodes.RequestCancelled);
    await rejectsWith(client.resolve({ reference: `${dst}:v1`, noCache: true }), ErrorCodes.ManifestUnknown);
  });

  test('to a destination you may not write: 401 naming the destination, source untouched', async () => {
    const locked = await startDistribution({ auth: 'basic' });
    try {
      const src = await buildGraph(registries.refreg.host, `denied/src-${uniq()}`);
      const before = shape(await client.discover({ reference: src }));
      const dst = `${locked.host}/denied/dst:v1`;
      const e = await rejectsWith(client.copy({ source: src, destination: dst, recursive: true }), ErrorCodes.Unauthorized);
      assert.equal(e.data?.registry, locked.host);
      assert.match(e.message, new RegExp(locked.host.replace('.', '\\.')));
      assert.deepEqual(shape(await client.discover({ reference: src, noCache: true })), before);
    } finally {
      await locked.stop();
    }
  });
});
