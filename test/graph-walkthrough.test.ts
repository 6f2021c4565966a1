/**
 * The supply-chain walkthrough (shared/reference) through the protocol, on a registry with the
 * referrers API and on one without it, checked against what the real oras CLI sees.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { OrasdClient } from '../clients/typescript/client';
import { ensureTools, getSharedRegistries, oras, type RunningRegistry, type Tools } from './registries/harness';
import { startDaemon, type TestDaemon } from './support/daemon';
import { tree, workspace } from './support/files';
import { shape } from './support/graph';

let daemon: TestDaemon;
let client: OrasdClient;
let tools: Tools;
let registries: { distribution: RunningRegistry; refreg: RunningRegistry; olareg: RunningRegistry };
let ws: string;

before(async () => {
  [tools, registries, daemon] = await Promise.all([ensureTools(), getSharedRegistries(), startDaemon()]);
  client = await daemon.client();
  ws = await workspace();
  await writeFile(join(ws, 'image.txt'), 'pretend this is a container image');
});
after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
});

for (const kind of ['refreg', 'olareg', 'distribution'] as const) {
  describe(`walkthrough on ${kind} (${kind !== 'distribution' ? 'referrers API' : 'referrers tag schema'})`, () => {
    test('push, attach, discover, copy -r, pull by digest, tags, cascade delete', async () => {
      const reg = registries[kind];
      const id = randomBytes(3).toString('hex');
      const REPO = `net-monitor-${id}`;
      const IMAGE = `${reg.host}/${REPO}:v1`;
      const dl = await mkdtemp(join(tmpdir(), 'orasd-walk-'));

      // Push a readme artifact, then files plus a folder; fetch its manifest; pull it.
      const artifact = `${reg.host}/samples/artifact-${id}:readme`;
      await client.push({ reference: artifact, cwd: ws, artifactType: 'readme/example', files: [{ path: 'readme.md', mediaType: 'application/markdown' }] });
      const pushed = await client.push({ reference: artifact, cwd: ws, artifactType: 'readme/example', files: [{ path: 'readme.md', mediaType: 'application/markdown' }, { path: 'details' }] });
      const fetched = await client.call('manifest/fetch', { reference: artifact });
      assert.equal(fetched.descriptor.digest, pushed.digest);
      const m = fetched.manifest as { artifactType: string; layers: { annotations: Record<string, string> }[] };
      assert.equal(m.artifactType, 'readme/example');
      assert.deepEqual(m.layers.map((l) => l.annotations['org.opencontainers.image.title']), ['readme.md', 'details']);
      await client.pull({ reference: artifact, output: join(dl, 'artifact') });
      assert.deepEqual(Object.keys(await tree(join(dl, 'artifact'))).sort(), ['details/deeper/more.md', 'details/readme-details.md', 'readme.md']);

      // The subject, a signature, a readme and an SBOM attached to it.
      const image = await client.push({ reference: IMAGE, cwd: ws, artifactType: 'application/vnd.example.image', files: [{ path: 'image.txt' }] });
      await writeFile(join(ws, `signature-${id}.json`), JSON.stringify({ artifact: IMAGE, signature: 'jayden hancock' }));
      await writeFile(join(ws, `sbom-${id}.json`), JSON.stringify({ version: '0.0.0.0', artifact: IMAGE, contents: 'good' }));
      const sig = await client.attach({ reference: IMAGE, cwd: ws, artifactType: 'signature/example', files: [{ path: `signature-${id}.json`, mediaType: 'application/json' }] });
      const readme = await client.attach({ reference: IMAGE, cwd: ws, artifactType: 'readme/example', files: [{ path: 'readme.md', mediaType: 'application/markdown' }, { path: 'details' }] });
      const sbom = await client.attach({ reference: IMAGE, cwd: ws, artifactType: 'sbom/example', files: [{ path: `sbom-${id}.json`, mediaType: 'application/json' }] });
      assert.equal(sbom.subject.digest, image.digest);

      // Find the SBOM by artifact type, as `jq -r ".manifests[0].digest"` does; sign it by digest.
      const found = await client.discover({ reference: IMAGE, artifactType: 'sbom/example' });
      assert.deepEqual(found.manifests.map((d) => d.digest), [sbom.digest]);
      await writeFile(join(ws, `sbom-signature-${id}.json`), JSON.stringify({ artifact: `${IMAGE}@${sbom.digest}`, signature: 'jayden hancock' }));
      const sbomSig = await client.attach({ reference: `${reg.host}/${REPO}@${found.manifests[0]!.digest}`, cwd: ws, artifactType: 'signature/example', files: [{ path: `sbom-signature-${id}.json`, mediaType: 'application/json' }] });

      // The tree: SBOM → its signature, readme, signature.
      const expected = {
        digest: image.digest,
        referrers: [
          { digest: sbom.digest, artifactType: 'sbom/example', referrers: [{ digest: sbomSig.digest, artifactType: 'signature/example', referrers: [] }] },
          { digest: readme.digest, artifactType: 'readme/example', referrers: [] },
          { digest: sig.digest, artifactType: 'signature/example', referrers: [] },
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      };
      const graph = await client.discover({ reference: IMAGE });
      assert.deepEqual(shape(graph), expected);

      // The real oras sees the same graph (on the fallback registry also when told to use the tag schema).
      const orasArgs = ['discover', '--plain-http', '--format', 'json', IMAGE];
      for (const extra of kind === 'distribution' ? [[], ['--distribution-spec', 'v1.1-referrers-tag']] : [[]]) {
        const r = await oras(tools, [...orasArgs, ...extra]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(shape(JSON.parse(r.stdout)), expected);
      }

      // Promote the graph to sample-staging/<repo> and discover the same tree there.
      const TARGET_REPO = `${reg.host}/sample-staging/${REPO}`;
      const copied = await client.copy({ source: IMAGE, destination: `${TARGET_REPO}:v1`, recursive: true });
      assert.equal(copied.digest, image.digest);
      assert.equal(copied.stats.manifests, 5);
      assert.deepEqual(shape(await client.discover({ reference: `${TARGET_REPO}:v1` })), expected);

      // Pull a referenced artifact by digest at the target.
      const doc = (await client.discover({ reference: `${TARGET_REPO}:v1`, artifactType: 'readme/example' })).manifests[0]!;
      await client.pull({ reference: `${TARGET_REPO}@${doc.digest}`, output: join(dl, 'doc') });
      assert.deepEqual(Object.keys(await tree(join(dl, 'doc'))).sort(), ['details/deeper/more.md', 'details/readme-details.md', 'readme.md']);

      // Tags: only the subject's, with digest tags excluded.
      assert.deepEqual((await client.call('repo/tags', { reference: `${reg.host}/${REPO}`, excludeDigestTags: true })).tags, ['v1']);

      // Delete the graph in both repositories with cascade: nothing left.
      for (const r of [IMAGE, `${TARGET_REPO}:v1`]) {
        const del = await client.call('manifest/delete', { reference: r, cascade: true });
        assert.equal(del.deleted.length, 5);
        assert.equal(del.deleted.at(-1)!.digest, image.digest);
        const left = await client.call('repo/tags', { reference: r.replace(/:v1$/, '') }).catch(() => ({ tags: [] as string[] }));
        assert.deepEqual(left.tags, [], `tags left in ${r}: ${left.tags.join(', ')}`);
        for (const d of [image, sig, readme, sbom, sbomSig]) {
          await assert.rejects(client.resolve({ reference: `${r.replace(/:v1$/, '')}@${d.digest}`, noCache: true }), /not found/);
        }
      }
      await rm(dl, { recursive: true });
    });
  });
}
