/**
 * A daemon started by a client (stdio on /dev/null) logs to a file in its state folder, rotated
 * by size, never with a secret; `orasd daemon logs` shows it for people.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { OrasdClient } from '../clients/typescript';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN } from './support/daemon';

const run = promisify(execFile);
const SECRET = 'hunter2-never-logged';
let reg: RunningRegistry;
let dir: string;

before(async () => {
  reg = (await getSharedRegistries()).distribution;
  dir = await mkdtemp(join(tmpdir(), 'orasd-logs-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A daemon spawned the way clients spawn it, a few requests (one with a password), then shutdown. */
async function exercise(sub: string, env: NodeJS.ProcessEnv): Promise<string> {
  await mkdir(join(dir, sub), { mode: 0o700 });
  const socketPath = join(dir, sub, 'orasd.sock');
  const c = await OrasdClient.connect({ socketPath, daemonCommand: [process.execPath, MAIN], env: { ...process.env, ...env } });
  for (let i = 0; i < 8; i++) {
    await c.resolve({ reference: `${reg.host}/logs/missing:v${i}`, username: 'me', password: SECRET }).catch(() => undefined);
  }
  await c.call('shutdown', {});
  c.dispose();
  // The daemon flushes its log before it exits; the socket goes last.
  for (;;) {
    const gone = await stat(socketPath).then(() => false, () => true);
    if (gone) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return socketPath;
}

test('a client-started daemon logs to orasd.log in its state folder, rotated by size, secrets redacted', async () => {
  const socketPath = await exercise('state', { ORASD_LOG_LEVEL: 'debug', ORASD_LOG_MAX_BYTES: '3000' });
  const log = await readFile(join(dir, 'state', 'orasd.log'), 'utf8');
  const old = await readFile(join(dir, 'state', 'orasd.log.1'), 'utf8');
  assert.match(old, /"msg":"orasd serving"/);
  assert.match(log + old, /"level":20/, 'ORASD_LOG_LEVEL=debug reached the daemon');
  assert.ok(Buffer.byteLength(log) < 3000 + 2000, `orasd.log is ${Buffer.byteLength(log)} bytes`);
  assert.ok(!(log + old).includes(SECRET));
  for (const line of (log + old).trim().split('\n')) JSON.parse(line); // whole records only

  const env: NodeJS.ProcessEnv = { ...process.env, ORASD_SOCKET: socketPath };
  delete env.ORASD_LOG_FILE;
  const pretty = await run(process.execPath, [MAIN, 'daemon', 'logs'], { env });
  const lines = pretty.stdout.trim().split('\n');
  assert.ok(lines.length > 0 && lines.every((l) => /^\d{4}-\d\d-\d\dT\S+Z (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /.test(l)), pretty.stdout);
  assert.ok(lines.some((l) => / DEBUG /.test(l)));
  const warn = await run(process.execPath, [MAIN, 'daemon', 'logs', '--level', 'info'], { env });
  assert.ok(!/ DEBUG /.test(warn.stdout) && / INFO  /.test(warn.stdout), warn.stdout);
  const help = await run(process.execPath, [MAIN, 'daemon', 'logs', '--help'], { env });
  assert.match(help.stdout, /Usage: orasd daemon logs/);
});

test('ORASD_LOG_FILE reaches a spawned daemon, and daemon logs reads it', async () => {
  const file = join(dir, 'elsewhere', 'custom.log');
  const socketPath = await exercise('custom', { ORASD_LOG_FILE: file });
  assert.match(await readFile(file, 'utf8'), /"msg":"orasd serving"/);
  await assert.rejects(stat(join(dir, 'custom', 'orasd.log')));
  const pretty = await run(process.execPath, [MAIN, 'daemon', 'logs'], { env: { ...process.env, ORASD_SOCKET: socketPath, ORASD_LOG_FILE: file } });
  assert.match(pretty.stdout, / INFO  orasd serving /);
});
