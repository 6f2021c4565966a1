import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as tar from 'tar';
import { ErrorCodes, isOrasdError } from '../../src/errors';
import { digestBytes } from '../../src/oci/digest';
import { checkEntry, extractFolderLayer } from '../../src/ops/unpack';
import { safeJoin } from '../../src/ops/files';

interface Entry {
  path: string;
  type?: string;
  body?: string;
  linkpath?: string;
}

/** Builds a tar by hand so hostile entries (../, absolute, devices) can be written at all. */
function makeTar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const header = Buffer.alloc(512);
    new tar.Header({ path: e.path, type: (e.type ?? 'File') as never, size: body.length, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) }).encode(header, 0);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

async function extract(entries: Entry[], opts: { allow?: boolean; tarDigest?: string } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'unpack-test-'));
  const into = join(root, 'out');
  await mkdir(into);
  const t = makeTar(entries);
  try {
    await extractFolderLayer(Readable.from([gzipSync(t)]), {
      into,
      title: 'docs',
      gzip: true,
      allowPathTraversal: !!opts.allow,
      tarDigest: opts.tarDigest ?? digestBytes(t),
    });
    return { root, into, error: undefined as unknown };
  } catch (error) {
    return { root, into, error };
  }
}

test('a well-formed folder layer extracts, and its tar digest is checked', async () => {
  const r = await extract([{ path: 'docs/', type: 'Directory' }, { path: 'docs/a.md', body: 'hello' }, { path: 'docs/link', type: 'SymbolicLink', linkpath: 'a.md' }]);
  assert.equal(r.error, undefined);
  assert.equal(await readFile(join(r.into, 'docs', 'a.md'), 'utf8'), 'hello');
  const bad = await extract([{ path: 'docs/a.md', body: 'x' }], { tarDigest: digestBytes('something else') });
  assert.ok(isOrasdError(bad.error, ErrorCodes.DigestMismatch));
  await rm(r.root, { recursive: true });
  await rm(bad.root, { recursive: true });
});

for (const [name, entries] of [
  ['dot-dot path', [{ path: 'docs/../../evil.txt', body: 'x' }]],
  ['absolute path', [{ path: '/tmp/orasd-evil.txt', body: 'x' }]],
  ['entry outside the folder title', [{ path: 'other/x.txt', body: 'x' }]],
  ['symlink escaping', [{ path: 'docs/l', type: 'SymbolicLink', linkpath: '../../../etc/passwd' }]],
  ['absolute symlink', [{ path: 'docs/l', type: 'SymbolicLink', linkpath: '/etc/passwd' }]],
  ['hard link escaping', [{ path: 'docs/h', type: 'Link', linkpath: 'etc/passwd' }]],
  ['character device', [{ path: 'docs/dev', type: 'CharacterDevice' }]],
  ['fifo', [{ path: 'docs/fifo', type: 'FIFO' }]],
] as [string, Entry[]][]) {
  test(`refuses ${name} and writes nothing outside`, async () => {
    const r = await extract(entries);
    assert.ok(isOrasdError(r.error, ErrorCodes.UnsafeArchive), `expected UNSAFE_ARCHIVE, got ${String(r.error)}`);
    assert.deepEqual(await readdir(r.root), ['out']);
    await rm(r.root, { recursive: true });
  });
}

test('property: checkEntry never lets a path climb out of the title', () => {
  const seg = fc.constantFrom('docs', '..', '.', 'a', 'b', '', 'docs/..');
  fc.assert(
    fc.property(fc.array(seg, { minLength: 1, maxLength: 6 }), fc.constantFrom('File', 'SymbolicLink', 'Link'), fc.array(seg, { maxLength: 5 }), (parts, type, link) => {
      const path = parts.join('/');
      const linkpath = link.join('/');
      const problem = checkEntry('docs', { path, type, linkpath }, false);
      if (problem) return;
      const norm = join('/root', path);
      assert.ok(norm === '/root/docs' || norm.startsWith('/root/docs/'), `${path} accepted`);
      if (type !== 'File') {
        const target = type === 'SymbolicLink' ? join('/root', path, '..', linkpath) : join('/root', linkpath);
        assert.ok(target === '/root/docs' || target.startsWith('/root/docs/'), `${path} -> ${linkpath} accepted`);
      }
    }),
    { numRuns: 3000 },
  );
});

test('safeJoin refuses titles that leave the output folder, also through a symlinked parent', async () => {
  const root = await mkdtemp(join(tmpdir(), 'safejoin-'));
  const out = join(root, 'out');
  await mkdir(out);
  await symlink(tmpdir(), join(out, 'escape'));
  for (const name of ['../x', '/etc/passwd', 'a/../../x', 'escape/x']) {
    await assert.rejects(safeJoin(out, name, false), (e: unknown) => isOrasdError(e, ErrorCodes.PathTraversal), name);
  }
  assert.equal(await safeJoin(out, 'a/b.txt', false), join(out, 'a', 'b.txt'));
  assert.equal(await safeJoin(out, '../x', true), join(root, 'x'));
  await rm(root, { recursive: true });
});
