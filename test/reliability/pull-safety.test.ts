/**
 * What a pull may do to the user's folder and to the daemon (issue 16): folder layers pushed for
 * real with the oras CLI that put a file or a symlink where the user has a folder (and the
 * reverse, at any depth) are refused with FILE_EXISTS and the user's files stay byte for byte,
 * as oras keeps them; a layer of 100k empty files (crafted, pushed for real through the daemon)
 * is pulled with the daemon's memory bounded; a
 * layer of zeros beyond the expanded-size limit is LIMIT_EXCEEDED with nothing written; and the
 * staging folder a crashed daemon left does not delay its successor's start.
 * ORASD_SOAK=1 pulls 1.5M files instead of 100k.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, open, readFile, readdir, readlink, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createGzip } from 'node:zlib';
import type { OrasdClient } from '../../clients/typescript/client';
import { ErrorCodes } from '../../protocol/errors';
import { MAIN, connect } from '../support/daemon';
import { ensureTools, getSharedRegistries, oras, type RunningRegistry, type Tools } from '../registries/harness';
import { makeTar, pushCrafted, type CraftedLayer } from './support/crafted';
import { SOAK, TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { failure, startQuickDaemon, waitFor, type ReliabilityDaemon } from './support/daemon';
import { listTree, temporaries } from './support/tree';

let tools: Tools;
let dist: RunningRegistry;
let daemon: ReliabilityDaemon;
let c: OrasdClient;
let ws: string;
const figures = {
  conflicts: 0,
  userFilesKept: 0,
  manyFiles: 0,
  manyFilesLayerBytes: 0,
  manyFilesRssBeforeMiB: 0,
  manyFilesRssPeakMiB: 0,
  manyFilesSeconds: 0,
  bombBytes: 0,
  bombLimitBytes: 0,
  leftoverFiles: 0,
  servedBeforeCleanup: false,
};

before(async () => {
  [tools, { distribution: dist }] = await Promise.all([ensureTools(), getSharedRegistries()]);
  daemon = await startQuickDaemon();
  c = await daemon.client();
  ws = await mkdtemp(join(tmpdir(), 'orasd-rel-pullsafe-'));
});

after(async () => {
  recordFigures('pull-safety', 'test/reliability/pull-safety.test.ts', figures);
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
  await rm(daemon.tmp, { recursive: true, force: true });
});

const uid = () => randomBytes(4).toString('hex');
const mib = (n: number) => Math.round(n / 2 ** 20);

/**
 * A folder layer `docs` of `n` empty files in 100 folders, as oras marks one (tar+gzip, unpack,
 * the tar's digest), written in pieces so that the soak's 1.5M entries never sit in memory as a tar.
 */
async function manyFilesLayer(n: number): Promise<CraftedLayer> {
  const gz = createGzip();
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  gz.on('data', (b: Buffer) => parts.push(b));
  const ended = once(gz, 'end');
  const write = async (b: Buffer) => {
    hash.update(b);
    if (!gz.write(b)) await once(gz, 'drain');
  };
  await write(makeTar([{ path: 'docs/', type: 'Directory' }, ...Array.from({ length: 100 }, (_, d) => ({ path: `docs/d${d}/`, type: 'Directory' as const }))], { end: false }));
  for (let i = 0; i < n; i += 1000) {
    await write(makeTar(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ path: `docs/d${(i + k) % 100}/f${i + k}` })), { end: false }));
  }
  await write(Buffer.alloc(1024));
  gz.end();
  await ended;
  return {
    data: Buffer.concat(parts),
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    annotations: { 'org.opencontainers.image.title': 'docs', 'io.deis.oras.content.unpack': 'true', 'io.deis.oras.content.digest': `sha256:${hash.digest('hex')}` },
  };
}

/** Pushes `folder` (relative to `cwd`) as a folder layer with the real oras CLI. */
async function orasPush(cwd: string, ref: string, folder = 'docs'): Promise<void> {
  const r = await oras(tools, ['push', '--plain-http', ref, folder], { cwd, timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
}

/** The user's folder: docs/important/{a,b}.txt with random bytes; returns them for comparison. */
async function userFolder(): Promise<{ out: string; a: Buffer; b: Buffer }> {
  const out = join(ws, `user-${uid()}`);
  await mkdir(join(out, 'docs', 'important'), { recursive: true });
  const a = randomBytes(4096);
  const b = randomBytes(1000);
  await writeFile(join(out, 'docs', 'important', 'a.txt'), a);
  await writeFile(join(out, 'docs', 'important', 'b.txt'), b);
  return { out, a, b };
}

async function assertKept(out: string, a: Buffer, b: Buffer): Promise<void> {
  assert.deepEqual(await readFile(join(out, 'docs', 'important', 'a.txt')), a, 'a.txt intact');
  assert.deepEqual(await readFile(join(out, 'docs', 'important', 'b.txt')), b, 'b.txt intact');
  assert.deepEqual(
    (await listTree(out)).map((e) => e.path),
    ['docs', 'docs/important', 'docs/important/a.txt', 'docs/important/b.txt'],
    'nothing else written, no temporaries',
  );
}

describe('a folder layer never removes what the user has', () => {
  const variants: Array<[string, (docs: string) => Promise<void>]> = [
    ['a file', (docs) => writeFile(join(docs, 'important'), 'a file from the artifact\n')],
    ['a symlink', (docs) => symlink('other.txt', join(docs, 'important'))],
  ];
  for (const [what, make] of variants) {
    test(`docs/important as ${what} in the layer, a folder of files in the user's docs: FILE_EXISTS, a.txt and b.txt intact (and oras keeps them too)`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const src = join(ws, `src-${uid()}`);
      await mkdir(join(src, 'docs'), { recursive: true });
      await writeFile(join(src, 'docs', 'other.txt'), 'other\n');
      await make(join(src, 'docs'));
      // A file layer before the folder layer: it would land first if the conflict were found late.
      await writeFile(join(src, 'readme.txt'), 'readme\n');
      const ref = `${dist.host}/rel/pullsafe/as-${what.replace(/\W/g, '')}-${uid()}:v1`;
      const pushed = await oras(tools, ['push', '--plain-http', ref, 'readme.txt', 'docs'], { cwd: src });
      assert.equal(pushed.code, 0, pushed.stderr);

      const { out, a, b } = await userFolder();
      const theirs = `${out}-oras`;
      await cp(out, theirs, { recursive: true });
      const e = await failure(c.pull({ reference: ref, output: out }));
      assert.equal(e.code, ErrorCodes.FileExists, `${e.code} ${e.message}`);
      assert.equal(e.data?.path, join(out, 'docs', 'important'));
      assert.match(e.message, /docs\/important/);
      assert.match(e.message, /folder of that name is in the way/);
      await assertKept(out, a, b);
      figures.conflicts++;
      figures.userFilesKept += 2;

      // The real oras refuses as well and keeps the files.
      const r = await oras(tools, ['pull', '--plain-http', ref], { cwd: theirs });
      assert.notEqual(r.code, 0, r.stdout);
      assert.deepEqual(await readFile(join(theirs, 'docs', 'important', 'a.txt')), a);
      assert.deepEqual(await readFile(join(theirs, 'docs', 'important', 'b.txt')), b);
    });
  }

  test('a folder in the layer where the user has a file, or a symlink to a folder, at any depth: FILE_EXISTS, theirs left as it was', { timeout: TEST_TIMEOUT_MS }, async () => {
    const src = join(ws, `src-${uid()}`);
    await mkdir(join(src, 'docs', 'important'), { recursive: true });
    await mkdir(join(src, 'docs', 'x', 'y', 'z'), { recursive: true });
    await writeFile(join(src, 'docs', 'important', 'c.txt'), 'c\n');
    await writeFile(join(src, 'docs', 'x', 'y', 'z', 'deep.txt'), 'deep\n');
    const ref = `${dist.host}/rel/pullsafe/folder-${uid()}:v1`;
    await orasPush(src, ref);

    const cases: Array<[string, (out: string) => Promise<void>, string, string]> = [
      ['a file', (out) => writeFile(join(out, 'docs', 'important'), 'mine\n'), 'docs/important', 'file'],
      [
        'a symlink to a folder',
        async (out) => {
          await mkdir(join(out, 'docs', 'real'));
          await symlink('real', join(out, 'docs', 'important'));
        },
        'docs/important',
        'symlink',
      ],
      [
        'a file three levels down',
        async (out) => {
          await mkdir(join(out, 'docs', 'x', 'y'), { recursive: true });
          await writeFile(join(out, 'docs', 'x', 'y', 'z'), 'mine\n');
        },
        'docs/x/y/z',
        'file',
      ],
    ];
    for (const [what, make, at, kind] of cases) {
      const out = join(ws, `user-${uid()}`);
      await mkdir(join(out, 'docs'), { recursive: true });
      await make(out);
      const before = await listTree(out);
      const e = await failure(c.pull({ reference: ref, output: out }));
      assert.equal(e.code, ErrorCodes.FileExists, `${what}: ${e.code} ${e.message}`);
      assert.equal(e.data?.path, join(out, at), what);
      assert.match(e.message, new RegExp(`a ${kind} of that name is in the way`), what);
      assert.deepEqual(await listTree(out), before, `${what}: nothing changed`);
      if (kind === 'symlink') assert.equal(await readlink(join(out, 'docs', 'important')), 'real');
      figures.conflicts++;
    }
  });

  test('a file whose destination is the user\'s symlink (pointing inside the folder): FILE_EXISTS, the link kept (oras replaces it)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const src = join(ws, `src-${uid()}`);
    await mkdir(src);
    await writeFile(join(src, 'notes.txt'), 'from the artifact\n');
    const ref = `${dist.host}/rel/pullsafe/filelink-${uid()}:v1`;
    const r = await oras(tools, ['push', '--plain-http', ref, 'notes.txt'], { cwd: src });
    assert.equal(r.code, 0, r.stderr);
    const out = join(ws, `user-${uid()}`);
    await mkdir(out);
    await writeFile(join(out, 'real.txt'), 'mine\n');
    await symlink('real.txt', join(out, 'notes.txt'));
    const e = await failure(c.pull({ reference: ref, output: out }));
    assert.equal(e.code, ErrorCodes.FileExists, `${e.code} ${e.message}`);
    assert.equal(e.data?.path, join(out, 'notes.txt'));
    assert.equal(await readlink(join(out, 'notes.txt')), 'real.txt');
    assert.equal(await readFile(join(out, 'real.txt'), 'utf8'), 'mine\n');
    figures.conflicts++;
  });

  test('pulling the same artifact twice into one folder still works; the user\'s other files stay; keepOldFiles refuses', { timeout: TEST_TIMEOUT_MS }, async () => {
    const src = join(ws, `src-${uid()}`);
    await mkdir(join(src, 'docs', 'sub'), { recursive: true });
    await writeFile(join(src, 'docs', 'sub', 'x.txt'), 'x\n');
    await writeFile(join(src, 'docs', 'top.txt'), 'top\n');
    await symlink('sub/x.txt', join(src, 'docs', 'lnk'));
    const ref = `${dist.host}/rel/pullsafe/twice-${uid()}:v1`;
    await orasPush(src, ref);
    const { out, a, b } = await userFolder();
    for (let i = 0; i < 2; i++) await c.pull({ reference: ref, output: out });
    assert.equal(await readFile(join(out, 'docs', 'sub', 'x.txt'), 'utf8'), 'x\n');
    assert.equal(await readFile(join(out, 'docs', 'top.txt'), 'utf8'), 'top\n');
    assert.equal(await readlink(join(out, 'docs', 'lnk')), 'sub/x.txt');
    assert.deepEqual(await readFile(join(out, 'docs', 'important', 'a.txt')), a);
    assert.deepEqual(await readFile(join(out, 'docs', 'important', 'b.txt')), b);
    assert.deepEqual(await temporaries(out), []);
    const e = await failure(c.pull({ reference: ref, output: out, keepOldFiles: true }));
    assert.equal(e.code, ErrorCodes.FileExists, e.message);
  });
});

describe('folder layers that expand a lot', () => {
  test(`${SOAK ? '1.5M' : '100k'} empty files in one folder layer: pulled with the daemon's memory bounded; over maxExtractEntries: LIMIT_EXCEEDED, nothing written`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const n = SOAK ? 1_500_000 : 100_000;
    const ref = `${dist.host}/rel/pullsafe/many-${uid()}:v1`;
    const layer = await manyFilesLayer(n);
    await pushCrafted(c, ref, ws, [layer]);

    // Over the limit: refused from the headers, nothing left in the output folder.
    const limited = join(ws, `many-out-limited-${uid()}`);
    await mkdir(limited);
    const e = await failure(c.pull({ reference: ref, output: limited, maxExtractEntries: 1000 }));
    assert.equal(e.code, ErrorCodes.LimitExceeded, e.message);
    assert.match(e.message, /maxExtractEntries = 1000/);
    assert.match(e.data?.hint ?? '', /--max-extract-entries/);
    assert.deepEqual(await listTree(limited), []);

    const out = join(ws, `many-out-${uid()}`);
    await mkdir(out);
    const probe = await daemon.client();
    const rssBefore = (await probe.status()).memory.rss;
    let peak = rssBefore;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await probe.status()).memory.rss);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const started = Date.now();
    try {
      await c.pull({ reference: ref, output: out, ...(n > 1_000_000 ? { maxExtractEntries: n + 1000 } : {}) });
    } finally {
      sampling = false;
      await sampler;
    }
    figures.manyFilesSeconds = Math.round((Date.now() - started) / 1000);
    let count = 0;
    for (let d = 0; d < 100; d++) count += (await readdir(join(out, 'docs', `d${d}`))).length;
    assert.equal(count, n);
    figures.manyFiles = n;
    figures.manyFilesLayerBytes = layer.data.length;
    figures.manyFilesRssBeforeMiB = mib(rssBefore);
    figures.manyFilesRssPeakMiB = mib(peak);
    // node-tar kept ~3 KB a file until the end (100k files: +300 MiB, 1.5M: the daemon died);
    // now the extraction holds a bounded window of entries, whatever their number.
    assert.ok(peak - rssBefore < 150 * 2 ** 20, `RSS grew from ${mib(rssBefore)} to ${mib(peak)} MiB while pulling ${n} files`);
    await rm(out, { recursive: true, force: true });
  });

  test('a folder of 200 MiB of zeros (a few hundred KB compressed) over a daemon-wide 64 MiB limit: LIMIT_EXCEEDED, no output; the pull param raises it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const limit = 64 * 2 ** 20;
    const limited = await startQuickDaemon({ ORASD_MAX_EXTRACT_BYTES: String(limit) });
    try {
      const lc = await limited.client();
      const src = join(ws, `bomb-${uid()}`);
      await mkdir(join(src, 'docs'), { recursive: true });
      await writeFile(join(src, 'docs', 'readme.txt'), 'zeros follow\n');
      await writeFile(join(src, 'docs', 'zeros.bin'), '');
      await truncate(join(src, 'docs', 'zeros.bin'), 200 * 2 ** 20);
      const ref = `${dist.host}/rel/pullsafe/bomb-${uid()}:v1`;
      await orasPush(src, ref);
      await rm(src, { recursive: true, force: true });
      const layer = JSON.parse((await lc.call('manifest/fetch', { reference: ref })).content!).layers[0] as { size: number };

      const out = join(ws, `bomb-out-${uid()}`);
      await mkdir(out);
      const e = await failure(lc.pull({ reference: ref, output: out }));
      assert.equal(e.code, ErrorCodes.LimitExceeded, e.message);
      assert.match(e.message, new RegExp(`maxExtractBytes = ${limit}`));
      assert.match(e.data?.hint ?? '', /maxExtractBytes.*--max-extract-bytes.*ORASD_MAX_EXTRACT_BYTES/);
      assert.deepEqual(await listTree(out), [], 'nothing half-written in the output folder');
      figures.bombBytes = 200 * 2 ** 20;
      figures.bombLimitBytes = limit;

      await lc.pull({ reference: ref, output: out, maxExtractBytes: 256 * 2 ** 20 });
      assert.equal((await stat(join(out, 'docs', 'zeros.bin'))).size, 200 * 2 ** 20);
      assert.ok(layer.size < 2 ** 20, `the layer is ${layer.size} bytes`);
      await rm(out, { recursive: true, force: true });
    } finally {
      await limited.stop();
      await rm(limited.tmp, { recursive: true, force: true });
    }
  });
});

test('a crashed daemon\'s staging folder of many files does not delay the next start: it serves first, then cleans up', { timeout: TEST_TIMEOUT_MS }, async () => {
  const state = await mkdtemp(join(tmpdir(), 'orasd-rel-state-'));
  const out = join(ws, `crashed-out-${uid()}`);
  const staged = join(out, `.docs.orasd-${randomBytes(6).toString('hex')}`);
  const files = 20_000;
  for (let i = 0; i < files; i += 500) {
    await mkdir(join(staged, 'docs', `d${i}`), { recursive: true });
    await Promise.all(Array.from({ length: 500 }, (_, k) => open(join(staged, 'docs', `d${i}`, `f${k}`), 'w').then((h) => h.close())));
  }
  await writeFile(join(out, 'mine.txt'), 'mine\n');
  // The journal of a daemon that is gone (a process that has exited), naming the staging folder.
  const gone = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => gone.once('exit', r));
  await writeFile(join(state, `temps-${gone.pid}.journal`), `+${JSON.stringify(staged)}\n`, { mode: 0o600 });
  figures.leftoverFiles = files;

  const log = join(state, 'orasd.log');
  const proc = spawn(process.execPath, [MAIN, 'serve', '--socket', join(state, 'orasd.sock'), '--log-file', log, '--log-level', 'debug'], { stdio: 'ignore', env: { ...process.env, TMPDIR: state } });
  try {
    const listening = () =>
      connect(join(state, 'orasd.sock')).then(
        (s) => {
          s.destroy();
          return true;
        },
        () => false,
      );
    await waitFor('the daemon to listen', listening, 60_000);
    await waitFor('the staging folder to be removed', async () => (await readdir(out)).join() === 'mine.txt', 120_000);
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    const serving = lines.findIndex((l) => l.msg === 'orasd serving');
    const cleaned = lines.findIndex((l) => l.msg.startsWith('removed temporaries left by a daemon'));
    assert.ok(serving >= 0 && cleaned > serving, `serving at log line ${serving}, clean-up at ${cleaned}`);
    figures.servedBeforeCleanup = true;
    assert.equal(await readFile(join(out, 'mine.txt'), 'utf8'), 'mine\n');
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)));
    await rm(state, { recursive: true, force: true });
  }
});
