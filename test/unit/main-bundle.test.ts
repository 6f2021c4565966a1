// dist/src/main.js runs the bundle (dist/orasd.js, with its code cache) only when it is at least
// as new as the compiled modules: after a bare `tsc` an old bundle would run old code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

const MAIN = path.join(__dirname, '..', '..', 'src', 'main.js');
let dist: string;

before(() => {
  // A copy of main.js beside stand-ins that say which one ran.
  dist = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-main-')), 'dist');
  fs.mkdirSync(path.join(dist, 'src'), { recursive: true });
  fs.copyFileSync(MAIN, path.join(dist, 'src', 'main.js'));
  fs.writeFileSync(path.join(dist, 'src', 'orasd.js'), "process.stdout.write('modules ' + process.argv.slice(2).join(' '));\n");
  fs.writeFileSync(path.join(dist, 'orasd.js'), "process.stdout.write('bundle ' + process.argv.slice(2).join(' '));\n");
});
after(() => fs.rmSync(path.dirname(dist), { recursive: true, force: true }));

function run(env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [path.join(dist, 'src', 'main.js'), 'serve', '--help'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function age(file: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(path.join(dist, file), t, t);
}

test('a bundle newer than the modules runs, with the arguments; ORASD_NO_BUNDLE=1 runs the modules', () => {
  age('src/orasd.js', 60);
  age('orasd.js', 0);
  assert.equal(run(), 'bundle serve --help');
  assert.equal(run({ ORASD_NO_BUNDLE: '1' }), 'modules serve --help');
});

test('a bundle older than the modules (a bare tsc since) is not run', () => {
  age('orasd.js', 60);
  age('src/orasd.js', 0);
  assert.equal(run(), 'modules serve --help');
});

test('a code cache V8 rejects (another Node, a corrupt file) only costs time', () => {
  age('src/orasd.js', 60);
  age('orasd.js', 0);
  fs.writeFileSync(path.join(dist, 'orasd.js.cache'), 'not a code cache');
  assert.equal(run(), 'bundle serve --help');
  fs.rmSync(path.join(dist, 'orasd.js.cache'));
});
