/**
 * The temp-file journal (src/server/temp-journal.ts) on its own: what a dead daemon's journal lists
 * is removed, and nothing else — not a live daemon's temporaries, not a path that is not an orasd
 * temporary (a damaged or planted journal must not delete a user's file), not a journal someone
 * else owns. (crash.test.ts shows it working across a real kill -9.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log';
import { tempPathFor } from '../../src/ops/files';
import { TempJournal, livePaths, recoverTemps } from '../../src/server/temp-journal';
import { TEST_TIMEOUT_MS } from './support/figures';

let root: string;
let state: string;
let work: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'orasd-rel-journal-'));
  state = join(root, 'state');
  work = join(root, 'work');
  await mkdir(state, { mode: 0o700 });
  await mkdir(work);
});
after(() => rm(root, { recursive: true, force: true }));

/** A pid that surely belongs to no process any more. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

const line = (op: '+' | '-', p: string) => `${op}${JSON.stringify(p)}\n`;

test('a dead daemon\'s temporaries go; its user files, other names and relative paths stay', { timeout: TEST_TIMEOUT_MS }, async () => {
  const staged = tempPathFor(join(work, 'big.bin'));
  const stagedDir = tempPathFor(join(work, 'folder'));
  const pack = join(work, 'orasd-pack-0123456789abcdef');
  const removed = tempPathFor(join(work, 'done.txt'));
  await writeFile(staged, 'partial');
  await mkdir(stagedDir);
  await writeFile(join(stagedDir, 'inner'), 'x');
  await mkdir(pack);
  await writeFile(removed, 'renamed away meanwhile');
  await writeFile(join(work, 'precious.txt'), 'mine');
  const pid = deadPid();
  await writeFile(
    join(state, `temps-${pid}.journal`),
    [line('+', staged), line('+', stagedDir), line('+', pack), line('+', join(work, 'precious.txt')), line('+', 'relative/.x.orasd-0123456789ab'), line('+', removed), line('-', removed)].join('') + '+"/torn-line-from-a-kil',
    { mode: 0o600 },
  );
  const r = await recoverTemps(state, silentLogger());
  assert.equal(r.journals, 1);
  assert.deepEqual(r.removed.sort(), [staged, stagedDir, pack].sort());
  assert.deepEqual((await readdir(work)).sort(), [basename(removed), 'precious.txt'].sort());
  assert.equal(await readFile(join(work, 'precious.txt'), 'utf8'), 'mine');
  assert.deepEqual(await readdir(state), [], 'the journal itself is gone');
});

test('a live daemon\'s journal, and a journal owned by someone else, are left alone', { timeout: TEST_TIMEOUT_MS }, async () => {
  const mine = tempPathFor(join(work, 'live.bin'));
  await writeFile(mine, 'in use');
  await writeFile(join(state, `temps-1.journal`), line('+', mine), { mode: 0o600 }); // pid 1 is alive
  const foreign = tempPathFor(join(work, 'foreign.bin'));
  await writeFile(foreign, 'x');
  const pid = deadPid();
  await writeFile(join(state, `temps-${pid}.journal`), line('+', foreign), { mode: 0o600 });
  await chown(join(state, `temps-${pid}.journal`), 65534, 65534);
  const r = await recoverTemps(state, silentLogger());
  assert.deepEqual(r.removed, []);
  assert.ok(await stat(mine));
  assert.ok(await stat(foreign));
  await rm(join(state, 'temps-1.journal'));
  await rm(join(state, `temps-${pid}.journal`));
});

test('the journal records before creation and after removal, compacts, and goes at a clean close', { timeout: TEST_TIMEOUT_MS }, async () => {
  const j = new TempJournal(state, silentLogger());
  const paths = Array.from({ length: 10_050 }, (_, i) => join(work, `.f${i}.orasd-0123456789ab`));
  for (const p of paths) j.add(p);
  for (const p of paths.slice(0, 10_000)) j.remove(p);
  assert.equal(j.size, 50);
  const text = await readFile(j.file, 'utf8');
  assert.deepEqual(livePaths(text).sort(), paths.slice(10_000).sort());
  // Without compaction it would hold 20,050 lines; it is rewritten whenever it passes 10,000 and twice the live set.
  assert.ok(text.split('\n').length <= 10_001, `${text.split('\n').length} lines`);
  assert.equal((await stat(j.file)).mode & 0o777, 0o600);
  j.close();
  assert.ok(await stat(j.file), 'kept while temporaries remain');
  const k = new TempJournal(join(root, 'other-state'), silentLogger());
  await mkdir(join(root, 'other-state'));
  k.add('/x/.a.orasd-0123456789ab');
  k.remove('/x/.a.orasd-0123456789ab');
  k.close();
  assert.deepEqual(await readdir(join(root, 'other-state')), []);
});
