// The build id: what `npm run build` wrote to dist/build-id. The daemon keeps the one it started
// with; a client asks for the one on disk now, so that after a rebuild a long-lived client of the
// old build reconnects to the new daemon instead of retiring it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const BUILD_JS = path.join(__dirname, '..', '..', 'protocol', 'build.js');

test('dist/build-id is one line of hex that `npm run build` wrote', () => {
  assert.match(fs.readFileSync(path.join(__dirname, '..', '..', 'build-id'), 'utf8'), /^[0-9a-f]{16}\n$/);
});

test('the daemon keeps the build it started with; a client reads the current one; ORASD_BUILD_ID overrides both', () => {
  // A copy of protocol/build.js in a dist of its own, so this test may rebuild it.
  const dist = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-build-id-')), 'dist');
  try {
    fs.mkdirSync(path.join(dist, 'protocol'), { recursive: true });
    fs.copyFileSync(BUILD_JS, path.join(dist, 'protocol', 'build.js'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = require(path.join(dist, 'protocol', 'build.js')) as typeof import('../../protocol/build');
    const first = build.writeBuildId(dist);
    assert.equal(build.buildId({}), first);
    assert.equal(build.daemonBuildId({}), first);
    const second = build.writeBuildId(dist);
    assert.notEqual(second, first);
    assert.equal(build.buildId({}), first, 'a running daemon still calls itself by its own build');
    assert.equal(build.daemonBuildId({}), second, 'a client asks for the build it would start now');
    assert.equal(build.daemonBuildId({ ORASD_BUILD_ID: 'stamped' }), 'stamped');
    assert.equal(build.buildId({ ORASD_BUILD_ID: 'stamped' }), 'stamped');
  } finally {
    fs.rmSync(path.dirname(dist), { recursive: true, force: true });
  }
});
