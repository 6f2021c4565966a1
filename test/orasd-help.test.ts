/** `orasd --help` explains orasd itself; every orasd subcommand answers --help with usage and examples. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { MAIN } from './support/daemon';

const run = promisify(execFile);
// Help must come without a daemon: a socket nobody serves, and no way to start one.
const env = { ...process.env, ORASD_SOCKET: '/nonexistent/orasd-help/orasd.sock', ORASD_BIN: '/nonexistent' };

test('orasd --help, -h and help list orasd\'s own commands and say the oras commands work too', async () => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const r = await run(process.execPath, [MAIN, ...argv], { env });
    for (const cmd of ['serve', 'daemon', 'call', 'batch']) assert.match(r.stdout, new RegExp(`\\n  orasd ${cmd} `), `${argv[0]}: ${cmd}`);
    assert.match(r.stdout, /The oras commands work too/);
    assert.match(r.stdout, /Examples:\n  orasd push /);
  }
});

test('every orasd subcommand answers --help with usage and examples, on stdout, exit 0', async () => {
  for (const argv of [['serve', '--help'], ['daemon', '--help'], ['daemon', 'help'], ['daemon', 'logs', '--help'], ['call', '--help'], ['call', '-h'], ['batch', '--help']]) {
    const r = await run(process.execPath, [MAIN, ...argv], { env });
    const name = argv[0] === 'daemon' && argv[1] === 'logs' ? 'daemon logs' : argv[0];
    assert.match(r.stdout, new RegExp(`^Usage: orasd ${name}`), argv.join(' '));
    assert.match(r.stdout, /\nExamples?:\n/, argv.join(' '));
    assert.equal(r.stderr, '', argv.join(' '));
  }
  const call = await run(process.execPath, [MAIN, 'call', '--help'], { env });
  assert.match(call.stdout, /Methods: .*\bmanifest\/fetch\b/);
});

test('the oras shim still gets oras\'s help for oras --help', async () => {
  const r = await run(process.execPath, [MAIN, '--help'], { env: { ...env, ORASD_AS_ORAS: '1', ORASD_NO_DAEMON: '1' } });
  assert.match(r.stdout, /^Usage:\n {2}oras \[command\]/);
});
