/**
 * Push and pull through the daemon on both kinds of real registry, checked against what the real
 * oras CLI builds, pushes and pulls.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { OrasdClient } from '../clients/typescript/client';
import { ensureTools, getSharedRegistries, oras, type RunningRegistry, type Tools } from './registries/harness';
import { startDaemon, type TestDaemon } from './support/daemon';
import { tree, workspace } from './support/files';

let daemon: TestDaemon;
let client: OrasdClient;
let tools: Tools;
let registries: { distribution: RunningRegistry; refreg: RunningRegistry; olareg: RunningRegistry };
let ws: string;

before(async () => {
  [tools, registries, daemon] = await Promise.all([ensureTools(), getSharedRegistries(), startDaemon()]);
  client = await daemon.client();
  ws = await workspace();
});
after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
});

for (const kind of ['distribution', 'refreg', 'olareg'] as const) {
  describe(`push and pull on ${kind}`, () => {
    const repo = () => `${registries[kind].host}/pushpull/${kind}-${randomBytes(4).toString('hex')}`;

    test('a single file, several files and a folder come back identical', async () => {
      for (const files of [[{ path: 'readme.md', mediaType: 'application/markdown' }], [{ path: 'readme.md' }, { path: 'notes.txt' }], [{ path: 'readme.md' }, { path: 'details' }]]) {
        const ref = `${repo()}:v1`;
        const pushed = await client.push({ reference: ref, cwd: ws, artifactType: 'readme/example', files });
        assert.equal(pushed.referenceAsTags[0], ref);
        assert.equal(pushed.artifactType, 'readme/example');
        const out = await mkdtemp(join(tmpdir(), 'orasd-pull-'));
        const pulled = await client.pull({ reference: ref, output: out });
        assert.equal(pulled.digest, pushed.digest);
        const want: Record<string, string> = {};
        const all = await tree(ws);
        for (const f of files) for (const [p, h] of Object.entries(all)) if (p === f.path || p.startsWith(`${f.path}/`)) want[p] = h;
        assert.deepEqual(await tree(out), want);
        // A pull leaves no temporary files behind.
        assert.deepEqual((await readdir(out)).filter((n) => n.includes('orasd')), []);
        await rm(out, { recursive: true });
      }
    });

    test('the manifest matches what oras push --export-manifest builds', async () => {
      const ours = `${repo()}:ours`;
      const theirs = `${repo()}:theirs`;
      const cfgDir = await mkdtemp(join(tmpdir(), 'orasd-cmp-'));
      await writeFile(join(cfgDir, 'ann.json'), JSON.stringify({ $manifest: { 'com.example.k': 'v', 'org.example.a': '1' }, 'readme.md': { 'com.example.file': 'f' } }));
      const common = { artifactType: 'readme/example' };
      const pushed = await client.call('manifest/fetch', {
        reference: (await client.push({ reference: ours, cwd: ws, files: [{ path: 'readme.md', mediaType: 'application/markdown' }, { path: 'details' }], annotationFile: join(cfgDir, 'ann.json'), ...common })).reference,
      });
      const exported = join(cfgDir, 'oras-manifest.json');
      const r = await oras(tools, ['push', '--plain-http', theirs, '--artifact-type', common.artifactType, '--annotation-file', join(cfgDir, 'ann.json'), '--export-manifest', exported, 'readme.md:application/markdown', 'details'], { cwd: ws });
      assert.equal(r.code, 0, r.stderr);
      const a = pushed.manifest as Record<string, any>;
      const b = JSON.parse(await readFile(exported, 'utf8'));
      const strip = (m: Record<string, any>) => {
        const c = structuredClone(m);
        delete c.annotations['org.opencontainers.image.created'];
        // A folder layer's bytes hold file timestamps (oras does not make them reproducible either),
        // so its digests differ from run to run; everything else must agree.
        for (const l of c.layers) {
          if (!l.annotations?.['io.deis.oras.content.unpack']) continue;
          assert.match(l.annotations['io.deis.oras.content.digest'], /^sha256:[a-f0-9]{64}$/);
          delete l.digest, delete l.size, delete l.annotations['io.deis.oras.content.digest'];
        }
        return c;
      };
      assert.deepEqual(strip(a), strip(b));
      const dirLayer = (m: any) => m.layers.find((l: any) => l.annotations['org.opencontainers.image.title'] === 'details');
      assert.equal(dirLayer(a).annotations['io.deis.oras.content.digest'] !== undefined, true);
      await rm(cfgDir, { recursive: true });
    });

    test('interop: oras pulls what orasd pushed, orasd pulls what oras pushed (folders included)', async () => {
      const ref1 = `${repo()}:by-orasd`;
      await client.push({ reference: ref1, cwd: ws, files: [{ path: 'readme.md' }, { path: 'details' }] });
      const out1 = await mkdtemp(join(tmpdir(), 'orasd-interop-'));
      const r1 = await oras(tools, ['pull', '--plain-http', '-o', out1, ref1]);
      assert.equal(r1.code, 0, r1.stderr);
      const ref2 = `${repo()}:by-oras`;
      const r2 = await oras(tools, ['push', '--plain-http', ref2, 'readme.md', 'details', 'notes.txt'], { cwd: ws });
      assert.equal(r2.code, 0, r2.stderr);
      const out2 = await mkdtemp(join(tmpdir(), 'orasd-interop-'));
      await client.pull({ reference: ref2, output: out2 });
      const all = await tree(ws);
      assert.deepEqual(await tree(out2), all);
      const { ['notes.txt']: _notes, ...withoutNotes } = all;
      assert.deepEqual(await tree(out1), withoutNotes);
      await rm(out1, { recursive: true });
      await rm(out2, { recursive: true });
    });

    test('several tags at once, and an image-spec v1.0 push with the 2021 config idiom', async () => {
      const base = repo();
      const pushed = await client.push({ reference: `${base}:a,b,c`, cwd: ws, files: [{ path: 'readme.md' }] });
      assert.deepEqual(pushed.referenceAsTags, [`${base}:a`, `${base}:b`, `${base}:c`]);
      const tags = await client.call('repo/tags', { reference: base });
      assert.deepEqual(tags.tags.sort(), ['a', 'b', 'c']);
      const v10 = await client.push({ reference: `${base}:v10`, cwd: ws, files: [{ path: 'readme.md', mediaType: 'application/vnd.unknown.layer.v1+txt' }], config: { path: '/dev/null', mediaType: 'application/vnd.unknown.config.v1+json' } });
      const m = (await client.call('manifest/fetch', { reference: v10.reference })).manifest as Record<string, any>;
      assert.equal(m.artifactType, undefined);
      assert.equal(m.config.mediaType, 'application/vnd.unknown.config.v1+json');
      assert.equal(m.config.size, 0);
      const out = await mkdtemp(join(tmpdir(), 'orasd-mt-'));
      const pulled = await client.pull({ reference: `${base}:v10`, output: out, mediaTypes: ['application/vnd.unknown.layer.v1+txt'] });
      assert.equal(pulled.files.length, 1);
      assert.equal((await stat(join(out, 'readme.md'))).size, 15);
      await rm(out, { recursive: true });
    });
  });
}
