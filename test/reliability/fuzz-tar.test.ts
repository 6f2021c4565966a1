/**
 * Fuzzing the folder-layer extraction (src/ops/unpack.ts) with archives drawn from a hostile
 * alphabet: paths with '.', '..', '' and absolute prefixes, files, folders, symlinks and hard links
 * whose targets chain through each other, devices and FIFOs. Whatever the archive, extraction either
 * succeeds with everything — also every link, followed physically — inside the title's folder, or
 * fails with UNSAFE_ARCHIVE / DIGEST_MISMATCH; nothing appears outside the staging folder.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ErrorCodes, isOrasdError } from '../../src/errors';
import { extractFolderLayer } from '../../src/ops/unpack';
import { makeTar, sha256, type TarEntry } from './support/crafted';
import { SOAK, TEST_TIMEOUT_MS, recordFigures } from './support/figures';

const figures = { archives: 0, extracted: 0, refused: 0, escapes: 0, garbageInputs: 0, garbageRefused: 0 };
after(() => recordFigures('fuzz-tar', 'test/reliability/fuzz-tar.test.ts', figures));

const inside = (root: string, p: string) => {
  const r = relative(root, p);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
};

/**
 * Where a path really leads, following symlinks on disk one component at a time ('..' climbs from
 * where the links led; a missing tail resolves as written). Written here independently of unpack.ts.
 */
async function physical(p: string): Promise<string> {
  let pending = p.split('/');
  let at = '/';
  for (let hops = 0; pending.length; ) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      at = dirname(at);
      continue;
    }
    const next = at === '/' ? `/${part}` : `${at}/${part}`;
    const st = await lstat(next).catch(() => undefined);
    if (st?.isSymbolicLink() && hops++ < 40) {
      const target = await readlink(next);
      pending = [...target.split('/'), ...pending];
      if (target.startsWith('/')) at = '/';
      continue;
    }
    at = next;
  }
  return at;
}

/**
 * Everything wrong with what an extraction left under `root` (staging in root/out/stage). A
 * refused extraction may leave anything in its staging folder (pull deletes it), nothing beside.
 */
async function escapes(root: string, title: string, ok: boolean): Promise<string[]> {
  const problems: string[] = [];
  const stage = join(root, 'out', 'stage');
  if ((await readdir(root)).join() !== 'out') problems.push(`beside out: ${(await readdir(root)).join(', ')}`);
  if ((await readdir(join(root, 'out'))).join() !== 'stage') problems.push(`beside stage: ${(await readdir(join(root, 'out'))).join(', ')}`);
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const st = await lstat(p);
      if (!inside(join(stage, title), p) && !(st.isDirectory() && inside(p, join(stage, title)))) problems.push(`outside the title: ${relative(stage, p)}`);
      if (st.isSymbolicLink()) {
        const to = await physical(p);
        if (!inside(join(stage, title), to)) problems.push(`symlink ${relative(stage, p)} leads to ${to}`);
      } else if (!st.isFile() && !st.isDirectory()) problems.push(`special file ${relative(stage, p)}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  if (ok) await walk(stage);
  return problems;
}

async function attempt(entries: TarEntry[], opts: { garbage?: Buffer } = {}): Promise<{ ok: boolean; problems: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'orasd-fuzz-tar-'));
  const stage = join(root, 'out', 'stage');
  await mkdir(stage, { recursive: true });
  const t = makeTar(entries);
  let ok = true;
  try {
    await extractFolderLayer(Readable.from([opts.garbage ?? gzipSync(t)]), { into: stage, title: 'docs', gzip: true, allowPathTraversal: false, tarDigest: sha256(t) });
  } catch (e) {
    ok = false;
    if (!isOrasdError(e, ErrorCodes.UnsafeArchive) && !isOrasdError(e, ErrorCodes.DigestMismatch)) {
      await rm(root, { recursive: true, force: true });
      return { ok, problems: [`unexpected error ${String(e)}`] };
    }
  }
  const problems = await escapes(root, 'docs', ok);
  await rm(root, { recursive: true, force: true });
  if (opts.garbage) {
    figures.garbageInputs++;
    if (!ok) figures.garbageRefused++;
  } else {
    figures.archives++;
    figures[ok ? 'extracted' : 'refused']++;
  }
  figures.escapes += problems.length;
  return { ok, problems };
}

const segment = fc.constantFrom('docs', 'docs', 'a', 'b', 'c', '.', '..', '', 'docs/a', 'docs/b');
const segments = fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));
// Mostly under the title, so that extractions also succeed and their links get followed.
const relPath = fc.oneof({ weight: 3, arbitrary: segments.map((p) => `docs/${p}`) }, { weight: 2, arbitrary: segments });
const anyPath = fc.oneof({ weight: 6, arbitrary: relPath }, { weight: 1, arbitrary: relPath.map((p) => `/${p}`) }, { weight: 1, arbitrary: fc.constantFrom('/etc/passwd', '/tmp', '../../..') });
const entry: fc.Arbitrary<TarEntry> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ path: anyPath, type: fc.constant('File' as const), body: fc.string({ maxLength: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ path: anyPath, type: fc.constant('Directory' as const) }) },
  { weight: 4, arbitrary: fc.record({ path: anyPath, type: fc.constant('SymbolicLink' as const), linkpath: anyPath.filter((l) => l.length > 0) }) },
  { weight: 2, arbitrary: fc.record({ path: anyPath, type: fc.constant('Link' as const), linkpath: anyPath.filter((l) => l.length > 0) }) },
  { weight: 1, arbitrary: fc.record({ path: anyPath, type: fc.constantFrom('CharacterDevice' as const, 'BlockDevice' as const, 'FIFO' as const) }) },
);

test('symlinks that chain out of the folder (each one inside on paper) are refused', { timeout: TEST_TIMEOUT_MS }, async () => {
  // docs/b -> . ; docs/c -> b/.. (the staging folder) ; docs/d -> c/.. (beside it: the output folder)
  const chain: TarEntry[] = [
    { path: 'docs/', type: 'Directory' },
    { path: 'docs/b', type: 'SymbolicLink', linkpath: '.' },
    { path: 'docs/c', type: 'SymbolicLink', linkpath: 'b/..' },
    { path: 'docs/d', type: 'SymbolicLink', linkpath: 'c/..' },
  ];
  for (const entries of [chain, [...chain, { path: 'docs/d/pwned', type: 'File' as const, body: 'x' }]]) {
    const r = await attempt(entries);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, false);
  }
});

test('a link naming its own folder (which wedged node-tar for ever) is refused, promptly', { timeout: TEST_TIMEOUT_MS }, async () => {
  for (const e of [
    { path: 'docs/a', type: 'SymbolicLink' as const, linkpath: 'docs' },
    { path: 'docs/b/a', type: 'SymbolicLink' as const, linkpath: 'docs/b' },
    { path: 'docs/a', type: 'Link' as const, linkpath: 'docs' },
  ]) {
    const r = await Promise.race([attempt([e]), new Promise<'hung'>((res) => setTimeout(() => res('hung'), 20_000))]);
    assert.notEqual(r, 'hung', JSON.stringify(e));
    assert.deepEqual(r !== 'hung' && r.problems, []);
  }
});

test('property: any archive from the hostile alphabet stays inside the title or is refused', { timeout: TEST_TIMEOUT_MS }, async () => {
  const samples = fc.sample(fc.array(entry, { minLength: 1, maxLength: 7 }), { numRuns: SOAK ? 4000 : 300, seed: 4242 });
  for (const entries of samples) {
    const r = await attempt([{ path: 'docs/', type: 'Directory' }, ...entries]);
    assert.deepEqual(r.problems, [], JSON.stringify(entries));
  }
});

test('property: bytes that are not a tar.gz (or a cut one) end in UNSAFE_ARCHIVE or DIGEST_MISMATCH', { timeout: TEST_TIMEOUT_MS }, async () => {
  const good = gzipSync(makeTar([{ path: 'docs/a.txt', body: 'hello' }]));
  const samples = fc.sample(
    fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      fc.nat({ max: good.length - 1 }).map((n) => good.subarray(0, n)),
      fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
        const b = Buffer.from(good);
        b[i] = b[i]! ^ x;
        return b;
      }),
    ),
    { numRuns: SOAK ? 3000 : 200, seed: 777 },
  );
  for (const garbage of samples) {
    const r = await attempt([{ path: 'docs/a.txt', body: 'hello' }], { garbage });
    assert.deepEqual(r.problems, []);
  }
});

test('a source that failed before the extraction began ends it at once (a pull hung on this)', { timeout: TEST_TIMEOUT_MS }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'orasd-fuzz-tar-'));
  const failed = new Readable({ read() {} });
  failed.on('error', () => undefined);
  failed.destroy(new Error('digest mismatch upstream'));
  await new Promise((r) => setImmediate(r));
  const outcome = await Promise.race([
    extractFolderLayer(failed, { into: root, title: 'docs', gzip: true, allowPathTraversal: false, stallMs: 60_000 }).then(
      () => 'extracted',
      (e: Error) => e.message,
    ),
    new Promise((r) => setTimeout(() => r('hung'), 10_000)),
  ]);
  await rm(root, { recursive: true, force: true });
  assert.match(String(outcome), /digest mismatch upstream/);
});
