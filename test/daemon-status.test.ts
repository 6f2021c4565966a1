/** `orasd daemon status`: a summary for people on a terminal, JSON for scripts and pipes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { MAIN, startDaemon, type TestDaemon } from './support/daemon';

const run = promisify(execFile);
let d: TestDaemon;

before(async () => {
  d = await startDaemon();
});
after(() => d.stop());

test('piped, status is JSON; --format text is a summary a person reads; a bad --format is refused', async () => {
  const piped = JSON.parse((await run(process.execPath, [MAIN, 'daemon', 'status'], { env: d.env })).stdout) as { pid: number; build: string };
  assert.equal(piped.pid, d.proc.pid);
  assert.match(piped.build, /\S/);
  const text = (await run(process.execPath, [MAIN, 'daemon', 'status', '--format', 'text'], { env: d.env })).stdout;
  assert.match(text, new RegExp(`^orasd \\S+ \\(build ${piped.build}\\), pid ${d.proc.pid}, up `));
  assert.match(text, new RegExp(`\\nsocket +${d.socketPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
  assert.match(text, /\nrequests +\d+ in flight; \d+ done: /);
  assert.match(text, /\ncaches +manifests \d+ \(/);
  assert.throws(() => JSON.parse(text));
  await assert.rejects(run(process.execPath, [MAIN, 'daemon', 'status', '--format', 'xml'], { env: d.env }), (e: { code: number; stderr: string }) => e.code === 2 && /json or text/.test(e.stderr));
});
