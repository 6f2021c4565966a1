/**
 * The OCI layout as a target of every method through the daemon, and copies in every direction
 * (registry → layout, layout → layout, layout → registry) arriving with the source's digests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OrasdClient } from '../clients/typescript/client';
import { ensureTools, getSharedRegistries, oras, type RunningRegistry, type Tools } from './registries/harness';
import { startDaemon, type TestDaemon } from './support/daemon';
import { tree, workspace } from './support/files';
import { shape } from './support/graph';

let daemon: TestDaemon;
let client: OrasdClient;
let reg: RunningRegistry;
let tools: Tools;
let ws: string;

before(async () => {
  let regs;
  [tools, regs, daemon] = await Promise.all([ensureTools(), getSharedRegistries(), startDaemon()]);
  reg = regs.distribution;
  client = await daemon.client();
  ws = await workspace();
  await writeFile(join(ws, 'sig.json'), '{"sig":1}');
});
after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
});

/** subject ← signature, subject ← sbom ← signature, built in whatever target the options name. */
async function graph(reference: (sel: string) => string, extra: { ociLayout?: boolean }): Promise<string> {
  const subject = reference(':v1');
  await client.push({ reference: subject, cwd: ws, files: [{ path: 'readme.md' }, { path: 'details' }], artifactType: 'application/vnd.example', ...extra });
  await client.attach({ reference: subject, cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }], ...extra });
  const sbom = await client.attach({ reference: subject, cwd: ws, artifactType: 'sbom/example', files: [{ path: 'sig.json' }], ...extra });
  await client.attach({ reference: reference(`@${sbom.digest}`), cwd: ws, artifactType: 'signature/example', files: [{ path: 'sig.json' }], ...extra });
  return subject;
}

test('every method on a layout folder through the daemon', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orasd-layout-m-'));
  const L = (sel: string) => `${join(dir, 'layout')}${sel}`;
  const subject = await graph(L, { ociLayout: true });
  const o = { ociLayout: true };
  const resolved = await client.resolve({ reference: subject, ...o });
  await client.tag({ reference: subject, tags: ['stable'], ...o });
  assert.deepEqual((await client.call('repo/tags', { reference: L(''), ...o })).tags, ['stable', 'v1']);
  const fetched = await client.call('manifest/fetch', { reference: L(':stable'), ...o });
  assert.equal(fetched.descriptor.digest, resolved.digest);
  assert.equal((await client.call('manifest/fetchConfig', { reference: subject, ...o })).content, '{}');
  const out = join(dir, 'out');
  await client.pull({ reference: subject, output: out, ...o });
  assert.deepEqual(await tree(out), Object.fromEntries(Object.entries(await tree(ws)).filter(([k]) => k === 'readme.md' || k.startsWith('details/'))));
  const blob = (fetched.manifest as { layers: { digest: string }[] }).layers[0]!;
  await client.call('blob/fetch', { reference: L(`@${blob.digest}`), output: join(dir, 'blob'), ...o });
  assert.equal(await readFile(join(dir, 'blob'), 'utf8'), await readFile(join(ws, 'readme.md'), 'utf8'));
  const pushedBlob = await client.call('blob/push', { reference: L(''), file: join(ws, 'notes.txt'), ...o });
  const copyOfManifest = await client.call('manifest/push', { reference: L(':copy'), content: fetched.content!, ...o });
  assert.equal(copyOfManifest.digest, resolved.digest);
  const g = await client.discover({ reference: subject, ...o });
  assert.equal(g.referrers.length, 2);
  const del = await client.call('manifest/delete', { reference: subject, cascade: true, ...o });
  assert.equal(del.deleted.length, 4);
  await assert.rejects(client.resolve({ reference: L(':stable'), ...o }), /not found/);
  await client.call('blob/delete', { reference: L(`@${pushedBlob.digest}`), force: true, ...o });
  // What oras sees agrees: nothing tagged is left.
  const r = await oras(tools, ['repo', 'tags', '--oci-layout', L('')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '');
  await rm(dir, { recursive: true });
});

test('copies in every direction arrive with the source digests', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orasd-layout-c-'));
  const repo = `${reg.host}/layout-copy/src-${randomBytes(3).toString('hex')}`;
  const source = await graph((sel) => `${repo}${sel}`, {});
  const want = shape(await client.discover({ reference: source }));

  const A = join(dir, 'a');
  await client.copy({ source, destination: `${A}:v1`, toOciLayout: true, recursive: true });
  assert.deepEqual(shape(await client.discover({ reference: `${A}:v1`, ociLayout: true })), want, 'registry → layout');

  const B = join(dir, 'b');
  await client.copy({ source: `${A}:v1`, destination: `${B}:v1`, fromOciLayout: true, toOciLayout: true, recursive: true });
  assert.deepEqual(shape(await client.discover({ reference: `${B}:v1`, ociLayout: true })), want, 'layout → layout');

  const back = `${reg.host}/layout-copy/back-${randomBytes(3).toString('hex')}:v1`;
  await client.copy({ source: `${B}:v1`, destination: back, fromOciLayout: true, recursive: true });
  assert.deepEqual(shape(await client.discover({ reference: back, noCache: true })), want, 'layout → registry');

  // And oras reads the layouts the same way.
  const r = await oras(tools, ['discover', '--oci-layout', '--format', 'json', `${B}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(shape(JSON.parse(r.stdout)), want);
  await rm(dir, { recursive: true });
});
