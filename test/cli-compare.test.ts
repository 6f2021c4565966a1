// Our command line side by side with the real oras 1.3 CLI on both shared registries: the same
// command, the same input, and the outputs compared after digests, timestamps and repository
// names are normalised. Status lines (Uploading/Exists/...) are compared as the set of blobs they
// name, since their order depends on concurrency and the engine skips the existence check (HEAD)
// for small blobs that oras makes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../src/api/engine';
import { runCliInMemory } from '../src/cli/memory-io';
import { createLogger } from '../src/log';
import { ensureTools, getSharedRegistries, oras as realOras, type RunningRegistry, type Tools } from './registries/harness';

const log = createLogger({ level: 'silent' });
let engine: Engine;
let tools: Tools;
let work: string;
let dockerConfig: string;

before(async () => {
  tools = await ensureTools();
  engine = new Engine({ log });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-cli-cmp-'));
  dockerConfig = fs.mkdtempSync(path.join(work, 'docker-'));
  fs.writeFileSync(path.join(work, 'hi.txt'), `hi ${randomBytes(8).toString('hex')}\n`);
  fs.mkdirSync(path.join(work, 'docs/sub'), { recursive: true });
  fs.writeFileSync(path.join(work, 'docs/a.md'), `a ${randomBytes(8).toString('hex')}\n`);
  fs.writeFileSync(path.join(work, 'docs/sub/b.md'), 'b\n');
  fs.writeFileSync(path.join(work, 'sig.json'), `{"sig":"${randomBytes(8).toString('hex')}"}\n`);
});
after(async () => {
  await engine.close();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Both CLIs; the real one gets --plain-http (ours uses plain HTTP for loopback registries by itself). */
async function both(argv: string[], opts: { cwdA?: string; cwdB?: string; plain?: string[] } = {}): Promise<{ theirs: Run; ours: Run }> {
  const plain = opts.plain ?? ['--plain-http'];
  const theirs = await realOras(tools, [...argv, ...plain], { cwd: opts.cwdA ?? work, env: { DOCKER_CONFIG: dockerConfig } });
  const ours = await runCliInMemory(engine, argv, { cwd: opts.cwdB ?? work, log, env: { DOCKER_CONFIG: dockerConfig } });
  return { theirs, ours };
}

/** Twin commands on twin repositories: `{R}` in an argument becomes repoA for oras and repoB for us. */
async function twins(reg: RunningRegistry, argv: string[], ids: { a: string; b: string }, opts: { cwdA?: string; cwdB?: string; plain?: string[] } = {}) {
  const plain = opts.plain ?? ['--plain-http'];
  const sub = (x: string, id: string) => x.replaceAll('{R}', `${reg.host}/cmp-${id}`);
  const theirs = await realOras(tools, [...argv.map((x) => sub(x, ids.a)), ...plain], { cwd: opts.cwdA ?? work, env: { DOCKER_CONFIG: dockerConfig } });
  const ours = await runCliInMemory(engine, argv.map((x) => sub(x, ids.b)), { cwd: opts.cwdB ?? work, log, env: { DOCKER_CONFIG: dockerConfig } });
  const norm = (s: string, id: string) => normalize(s.replaceAll(`cmp-${id}`, 'cmp-X'), reg);
  return { theirs: { ...theirs, n: norm(theirs.stdout, ids.a) }, ours: { ...ours, n: norm(ours.stdout, ids.b) } };
}

function normalize(s: string, reg: RunningRegistry): string {
  return s
    .replaceAll(reg.host, 'HOST')
    .replace(/sha256:[a-f0-9]{64}/g, 'sha256:D')
    .replace(/\b[a-f0-9]{12}\b/g, 'SHORT')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'TIME')
    .replace(/"size": \d+/g, '"size": N')
    .replaceAll(work, 'WORK');
}

const STATUS = /^(Preparing|Uploading|Uploaded|Exists|Skipped|Mounted|Copying|Copied|Downloading|Downloaded|Processing|Restored) +(SHORT )?(.*)$/;

/** The summary (non-status) lines, and the set of names the status lines mention. */
function split(text: string): { summary: string[]; names: string[] } {
  const summary: string[] = [];
  const names = new Set<string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const m = STATUS.exec(line);
    if (m && !line.startsWith('Copied [')) names.add(m[3]!);
    else summary.push(line);
  }
  return { summary, names: [...names].sort() };
}

function ids() {
  const x = randomBytes(3).toString('hex');
  return { a: `a${x}`, b: `b${x}` };
}

for (const kind of ['distribution', 'refreg', 'olareg'] as const) {
  describe(`side by side with oras 1.3 on ${kind}`, () => {
    let reg: RunningRegistry;
    const id = ids();
    before(async () => {
      reg = (await getSharedRegistries())[kind];
    });

    test('push: text and JSON', async () => {
      const argv = ['push', '{R}/art:v1,v2', '--artifact-type', 'doc/example', '-a', 'k=v', 'hi.txt:text/plain', 'docs'];
      const t = await twins(reg, argv, id);
      assert.equal(t.theirs.code, 0, t.theirs.stderr);
      assert.equal(t.ours.code, 0, t.ours.stderr);
      const [a, b] = [split(t.theirs.n), split(t.ours.n)];
      assert.deepEqual(b.summary, a.summary);
      assert.deepEqual(b.names, a.names);
      const j = await twins(reg, ['push', '--format', 'json', '{R}/art:v3,v4', '--artifact-type', 'doc/example', 'hi.txt'], id);
      assert.equal(j.ours.stderr, '');
      assert.equal(j.ours.n, j.theirs.n);
      const c = await twins(reg, ['push', '{R}/cfg:v1', '--config', '/dev/null:application/vnd.unknown.config.v1+json', 'hi.txt:application/vnd.unknown.layer.v1+txt'], id);
      assert.deepEqual(split(c.ours.n).summary, split(c.theirs.n).summary);
      const e = await twins(reg, ['push', '{R}/empty:v1', '--artifact-type', 'x/y', '-a', 'only=annotation'], id);
      assert.deepEqual(split(e.ours.n), split(e.theirs.n));
    });

    test('attach: text and JSON', async () => {
      const t = await twins(reg, ['attach', '{R}/art:v1', '--artifact-type', 'sig/example', 'sig.json:application/json'], id);
      assert.equal(t.ours.code, 0, t.ours.stderr);
      assert.deepEqual(split(t.ours.n), split(t.theirs.n));
      const j = await twins(reg, ['attach', '--format', 'json', '{R}/art:v1', '--artifact-type', 'sbom/example', 'hi.txt'], id);
      assert.equal(j.ours.n, j.theirs.n);
    });

    test('pull: text, JSON, files', async () => {
      const [da, db] = [fs.mkdtempSync(path.join(work, 'pa-')), fs.mkdtempSync(path.join(work, 'pb-'))];
      const t = await twins(reg, ['pull', '{R}/art:v1'], id, { cwdA: da, cwdB: db });
      assert.equal(t.ours.code, 0, t.ours.stderr);
      assert.deepEqual(split(t.ours.n), split(t.theirs.n));
      const list = (d: string) => fs.readdirSync(d, { recursive: true }).map(String).sort();
      assert.deepEqual(list(db), list(da));
      assert.equal(fs.readFileSync(path.join(db, 'docs/sub/b.md'), 'utf8'), 'b\n');
      const j = await twins(reg, ['pull', '--format', 'json', '-o', 'out', '{R}/art:v1'], id, { cwdA: da, cwdB: db });
      const dirs = (x: string) => x.replace(/WORK\/p[ab]-[A-Za-z0-9]+/g, 'DIR');
      assert.equal(dirs(j.ours.n), dirs(j.theirs.n));
      const k = await twins(reg, ['pull', '{R}/cfg:v1'], id, { cwdA: da, cwdB: db });
      assert.deepEqual(split(k.ours.n), split(k.theirs.n));
    });

    test('discover: tree, JSON, table on the same graph', async () => {
      // (one annotation per referrer: oras prints several in Go's random map order)
      const subject = `${reg.host}/cmp-${id.a}/art:v1`;
      const sbom = JSON.parse((await realOras(tools, ['discover', '--plain-http', '--format', 'json', '--artifact-type', 'sbom/example', subject])).stdout) as { referrers: { digest: string }[] };
      await realOras(tools, ['attach', '--plain-http', `${reg.host}/cmp-${id.a}/art@${sbom.referrers[0]!.digest}`, '--artifact-type', 'sig/example', 'sig.json'], { cwd: work });
      for (const argv of [['discover', subject], ['discover', '-o', 'tree', subject], ['discover', '--format', 'table', subject], ['discover', '--depth', '1', subject], ['discover', '--artifact-type', 'sig/example', subject]]) {
        const { theirs, ours } = await both(argv);
        assert.equal(ours.code, 0, ours.stderr);
        assert.equal(ours.stdout, theirs.stdout, argv.join(' '));
      }
      const { theirs, ours } = await both(['discover', '--format', 'json', subject]);
      const mine = JSON.parse(ours.stdout) as Record<string, unknown>;
      assert.ok(Array.isArray(mine.manifests), 'oras 1.1 manifests list kept');
      delete mine.manifests;
      assert.deepEqual(mine, JSON.parse(theirs.stdout));
      assert.equal(ours.stdout.slice(0, ours.stdout.indexOf('"manifests"')).trimEnd().replace(/,$/, ''), theirs.stdout.trimEnd().replace(/\n}$/, ''));
    });

    test('copy: text', async () => {
      const t = await twins(reg, ['cp', '{R}/art:v1', '{R}/copy:c1,c2'], id, { plain: ['--from-plain-http', '--to-plain-http'] });
      assert.equal(t.ours.code, 0, t.ours.stderr);
      assert.deepEqual(split(t.ours.n).summary, split(t.theirs.n).summary);
      const r = await twins(reg, ['cp', '-r', '{R}/art:v1', '{R}/rcopy:v1'], id, { plain: ['--from-plain-http', '--to-plain-http'] });
      assert.equal(r.ours.code, 0, r.ours.stderr);
      assert.deepEqual(split(r.ours.n).summary, split(r.theirs.n).summary);
      // The engine does not report referrer manifests; every blob line is there.
      const blobs = (n: string[]) => n.filter((x) => !x.startsWith('application/vnd.oci.image.manifest'));
      assert.deepEqual(blobs(split(r.ours.n).names), blobs(split(r.theirs.n).names));
    });

    test('manifest, resolve, tag, repo tags on the same data', async () => {
      const ref = `${reg.host}/cmp-${id.a}/art:v1`;
      for (const argv of [
        ['manifest', 'fetch', ref],
        ['manifest', 'fetch', '--pretty', ref],
        ['manifest', 'fetch', '--descriptor', ref],
        ['manifest', 'fetch', '--format', 'json', ref],
        ['manifest', 'fetch-config', `${reg.host}/cmp-${id.a}/cfg:v1`],
        ['manifest', 'fetch-config', '--descriptor', ref],
        ['resolve', ref],
        ['resolve', '-l', ref],
        ['repo', 'tags', `${reg.host}/cmp-${id.a}/art`],
        ['repo', 'tags', '--exclude-digest-tags', `${reg.host}/cmp-${id.a}/art`],
        ['repo', 'tags', '--format', 'json', `${reg.host}/cmp-${id.a}/art`],
        ['blob', 'fetch', '--descriptor', `${reg.host}/cmp-${id.a}/art@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`],
      ]) {
        const { theirs, ours } = await both(argv);
        assert.equal(ours.code, theirs.code, `${argv.join(' ')}: ${ours.stderr}`);
        assert.equal(ours.stdout, theirs.stdout, argv.join(' '));
      }
      const t = await twins(reg, ['tag', '{R}/art:v1', 't1', 't2'], id);
      assert.deepEqual(t.ours.n.split('\n').sort(), t.theirs.n.split('\n').sort());
    });

    test('errors: not found, usage, bad reference', async () => {
      for (const argv of [
        ['pull', `${reg.host}/cmp-${id.a}/nope:v1`],
        ['resolve', `${reg.host}/cmp-${id.a}/art:nope`],
        ['manifest', 'delete', `${reg.host}/cmp-${id.a}/art:nope`],
        ['manifest', 'delete', '-f', `${reg.host}/cmp-${id.a}/art:nope`],
        ['pull', `${reg.host}/cmp-${id.a}/art`],
        ['push'],
        ['attach', '--artifact-type', 'x', `${reg.host}/cmp-${id.a}/art:v1`],
      ]) {
        const { theirs, ours } = await both(argv);
        assert.equal(ours.code, theirs.code, argv.join(' '));
        assert.equal(ours.stdout, theirs.stdout, argv.join(' '));
        // Our hint lines follow oras's first line.
        assert.equal(ours.stderr.split('\n')[0], theirs.stderr.split('\n')[0], argv.join(' '));
      }
      const { theirs, ours } = await both(['push', '--bogus', 'x']);
      assert.equal(ours.stderr, theirs.stderr);
      assert.equal(ours.code, theirs.code);
    });
  });
}
