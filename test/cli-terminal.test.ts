// What the command line does with the launcher's terminal: prompts, stdin, progress bars,
// Ctrl-C, and the 2021 Korean push/pull page's flags; plus OCI layout targets.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../src/api/engine';
import { runCliInMemory, type MemoryRun, type MemoryRunOptions } from '../src/cli/memory-io';
import { createLogger } from '../src/log';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';

const log = createLogger({ level: 'silent' });
let engine: Engine;
let work: string;
let dockerConfig: string;
let reg: RunningRegistry;

before(async () => {
  engine = new Engine({ log });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-cli-term-'));
  dockerConfig = fs.mkdtempSync(path.join(work, 'docker-'));
  reg = (await getSharedRegistries()).distribution;
  fs.writeFileSync(path.join(work, 'hi.txt'), `hi ${randomBytes(4).toString('hex')}\n`);
});
after(async () => {
  await engine.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function oras(argv: string[], opts: Partial<MemoryRunOptions> = {}): Promise<MemoryRun> {
  return runCliInMemory(engine, argv, { cwd: work, log, env: { DOCKER_CONFIG: dockerConfig }, ...opts });
}

function ok(r: MemoryRun, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/**
 * The widest line a terminal shows for this output. It follows the cursor rather than stripping
 * escape codes: each redraw of the bars moves the cursor back up and to column 1, so with the
 * codes stripped the last bar of one frame and the first of the next run together (two frames
 * or more happen when a push outlasts cli-progress's 100 ms redraw, i.e. on a loaded machine).
 */
function widestTerminalLine(out: string): number {
  let x = 0;
  let saved = 0;
  let widest = 0;
  for (const m of out.matchAll(/\x1b\[([0-9;?]*)([A-Za-z])|\x1b([78])|([\s\S])/gu)) {
    const [, params, csi, saveRestore, char] = m;
    if (csi === 'G') x = Math.max(1, Number(params) || 1) - 1; // to a column
    else if (csi === 'H' || csi === 'f') x = Math.max(1, Number(params?.split(';')[1]) || 1) - 1; // to a row;column
    else if (csi === 'E' || csi === 'F') x = 0; // to the start of a line below/above
    else if (saveRestore) [saved, x] = saveRestore === '7' ? [x, x] : [saved, saved];
    else if (char === '\n' || char === '\r') x = 0;
    else if (char !== undefined) widest = Math.max(widest, ++x);
  }
  return widest;
}

const repo = (name: string) => `${reg.host}/term-${randomBytes(3).toString('hex')}/${name}`;

describe('login', () => {
  test('prompts for username and a hidden password on a terminal', async () => {
    const r = await oras(['login', reg.host], { stdinIsTTY: true, answers: ['alice', 's3cret'] });
    assert.equal(ok(r, 'login'), 'Login Succeeded\n');
    assert.deepEqual(r.prompts, [
      { message: 'Username: ', secret: false },
      { message: 'Password: ', secret: true },
    ]);
    const auth = JSON.parse(fs.readFileSync(path.join(dockerConfig, 'config.json'), 'utf8')).auths[reg.host].auth as string;
    assert.equal(Buffer.from(auth, 'base64').toString(), 'alice:s3cret');
  });

  test('--password-stdin (the 2021 service-principal login) and --registry-config', async () => {
    const cfg = path.join(work, 'other-config.json');
    const r = await oras(['login', reg.host, '--username', 'sp-app-id', '--password-stdin', '--registry-config', cfg], { stdin: 'sp-passwd\n' });
    assert.equal(ok(r, 'login'), 'Login Succeeded\n');
    assert.equal(r.stderr, '');
    const auth = JSON.parse(fs.readFileSync(cfg, 'utf8')).auths[reg.host].auth as string;
    assert.equal(Buffer.from(auth, 'base64').toString(), 'sp-app-id:sp-passwd');
    ok(await oras(['logout', reg.host, '--registry-config', cfg]), 'logout');
    assert.equal(JSON.parse(fs.readFileSync(cfg, 'utf8')).auths?.[reg.host], undefined);
  });

  test('--password warns like oras; an empty password is refused', async () => {
    let r = await oras(['login', reg.host, '-u', 'u', '-p', 'p']);
    assert.equal(r.stderr, 'WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    r = await oras(['login', reg.host, '-u', 'u'], { stdinIsTTY: true, answers: [''] });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: password required\n');
  });
});

describe('the 2021 push/pull page', () => {
  test('push --manifest-config /dev/null:type, pull --media-type', async () => {
    const ref = `${repo('samples/artifact')}:1.0`;
    const dir = fs.mkdtempSync(path.join(work, 'ko-'));
    fs.writeFileSync(path.join(dir, 'artifact.txt'), 'Here is an artifact\n');
    const out = ok(
      await oras(['push', ref, '--manifest-config', '/dev/null:application/vnd.unknown.config.v1+json', './artifact.txt:application/vnd.unknown.layer.v1+txt'], { cwd: dir }),
      'push',
    );
    assert.match(out, /Uploaded {2}[a-f0-9]{12} artifact.txt\n/);
    assert.match(out, /ArtifactType: application\/vnd.unknown.config.v1\+json\nDigest: sha256:/);
    const manifest = JSON.parse(ok(await oras(['manifest', 'fetch', ref]), 'fetch')) as { config: { mediaType: string; size: number }; artifactType?: string };
    assert.deepEqual([manifest.config.mediaType, manifest.config.size, manifest.artifactType], ['application/vnd.unknown.config.v1+json', 0, undefined]);
    fs.rmSync(path.join(dir, 'artifact.txt'));
    ok(await oras(['pull', ref, '--media-type', 'application/vnd.unknown.layer.v1+txt'], { cwd: dir }), 'pull');
    assert.equal(fs.readFileSync(path.join(dir, 'artifact.txt'), 'utf8'), 'Here is an artifact\n');
    // Another media type pulls nothing.
    const other = fs.mkdtempSync(path.join(work, 'ko2-'));
    ok(await oras(['pull', ref, '--media-type', 'text/other', '-o', other]), 'pull filtered');
    assert.deepEqual(fs.readdirSync(other), []);
  });
});

describe('stdin, prompts and Ctrl-C', () => {
  test('manifest push - and blob push - read stdin; blob fetch -o - writes stdout', async () => {
    const base = repo('stdin');
    const sha = (x: string) => `sha256:${createHash('sha256').update(x).digest('hex')}`;
    const content = 'blob from stdin\n';
    let r = await oras(['blob', 'push', base, '-'], { stdin: content });
    assert.equal(r.stderr, 'Error: `--size` must be provided if the blob is read from stdin\n');
    r = await oras(['blob', 'push', '--size', String(content.length), `${base}@${sha(content)}`, '-'], { stdin: content });
    assert.equal(ok(r, 'blob push -').split('\n').slice(-3).join('\n'), `Pushed: [registry] ${base}@${sha(content)}\nDigest: ${sha(content)}\n`);
    ok(await oras(['blob', 'push', '--size', '2', `${base}@${sha('{}')}`, '-'], { stdin: '{}' }), 'config blob');
    assert.equal(ok(await oras(['blob', 'fetch', '-o', '-', `${base}@${sha(content)}`]), 'blob fetch -o -'), content);

    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha('{}'), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(content), size: content.length }],
    });
    const md = sha(manifest);
    const short = md.slice(7, 19);
    r = await oras(['manifest', 'push', `${base}:m1,m2`, '-'], { stdin: manifest });
    assert.equal(
      ok(r, 'manifest push -'),
      `Uploading ${short} application/vnd.oci.image.manifest.v1+json\nUploaded  ${short} application/vnd.oci.image.manifest.v1+json\nPushed: [registry] ${base}:m1\nTagged m2\nDigest: ${md}\n`,
    );
    r = await oras(['manifest', 'push', `${base}:m1`, '-'], { stdin: manifest });
    assert.match(ok(r, 'again'), new RegExp(`^Exists {4}${short} `));
    assert.equal(ok(await oras(['manifest', 'fetch', `${base}:m2`]), 'fetch'), manifest);
    r = await oras(['manifest', 'push', '--descriptor', `${base}:m3`, '-'], { stdin: manifest });
    assert.equal(ok(r, 'descriptor'), `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${md}","size":${manifest.length}}`);
    r = await oras(['manifest', 'push', '--password-stdin', `${base}:m4`, '-'], { stdin: manifest });
    assert.equal(r.stderr, 'Error: `-` read file from input and `--password-stdin` read password from input cannot be both used\n');
  });

  test('manifest delete asks on a terminal through io.prompt', async () => {
    const ref = `${repo('ask')}:v1`;
    ok(await oras(['push', ref, 'hi.txt']), 'push');
    let r = await oras(['manifest', 'delete', ref], { stdinIsTTY: true, answers: ['n'] });
    assert.equal(ok(r, 'no'), 'Operation cancelled.\n');
    assert.match(r.prompts[0]!.message, /^Are you sure you want to delete the manifest "sha256:[a-f0-9]{64}" and all tags associated with it\? \[y\/N\] $/);
    r = await oras(['manifest', 'delete', ref], { stdinIsTTY: true, answers: ['yes'] });
    assert.equal(ok(r, 'yes'), `Deleted [registry] ${ref}\n`);
  });

  test('Ctrl-C (io.signal) cancels the engine request and exits 130, leaving no partial files', async () => {
    const big = path.join(work, 'big.bin');
    fs.writeFileSync(big, randomBytes(40 * 1024 * 1024));
    const ref = `${repo('big')}:v1`;
    ok(await oras(['push', ref, 'big.bin']), 'push big');
    const out = fs.mkdtempSync(path.join(work, 'cancel-'));
    const ctrl = new AbortController();
    const running = oras(['pull', '-o', out, ref], { signal: ctrl.signal });
    await new Promise((r) => setTimeout(r, 100));
    ctrl.abort();
    const r = await running;
    assert.equal(r.code, 130);
    assert.deepEqual(fs.readdirSync(out), []);
  });

  test('progress bars go to stderr on a terminal; stdout keeps the summary only', async () => {
    const ref = `${repo('tty')}:v1`;
    const r = await oras(['push', ref, 'hi.txt'], { stderrIsTTY: true, columns: 90 });
    assert.match(ok(r, 'push'), /^Pushed \[registry\] .*\nArtifactType: application\/vnd.unknown.artifact.v1\nDigest: sha256:[a-f0-9]{64}\n$/);
    assert.match(r.stderr, /\x1b\[/);
    assert.match(r.stderr, /Uploaded {2}[a-f0-9]{12} hi.txt \[█+\]/);
    const widest = widestTerminalLine(r.stderr);
    assert.ok(widest > 0 && widest <= 90, `a line of ${widest} columns on a 90-column terminal:\n${JSON.stringify(r.stderr)}`);
    const plain = await oras(['push', ref, 'hi.txt', '--no-tty'], { stderrIsTTY: true });
    assert.equal(plain.stderr, '');
    assert.match(plain.stdout, /^Preparing hi.txt\n/);
  });
});
