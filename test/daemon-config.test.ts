/**
 * The daemon's config file: its settings reach a daemon a client starts, flags and ORASD_*
 * variables override it, and an invalid file stops the daemon with the file and key named.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OrasdClient } from '../clients/typescript/client';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN, startDaemon } from './support/daemon';

let reg: RunningRegistry;
let root: string;
let ws: string;

before(async () => {
  reg = (await getSharedRegistries()).distribution;
  root = await mkdtemp(join(tmpdir(), 'orasd-config-'));
  ws = join(root, 'ws');
  await mkdir(ws);
  await writeFile(join(ws, 'a.txt'), 'configured');
});
after(() => rm(root, { recursive: true, force: true }));

/** This process's environment without the daemon settings a developer may have exported. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^ORASD_(CONFIG|IDLE_TIMEOUT|LOG_LEVEL|LOG_FILE|SOCKET)$/.test(k) || k === 'XDG_CONFIG_HOME') delete env[k];
  return { ...env, ...extra };
}

async function writeConfig(dir: string, config: unknown): Promise<string> {
  await mkdir(join(dir, 'orasd'), { recursive: true });
  const path = join(dir, 'orasd', 'config.json');
  await writeFile(path, JSON.stringify(config));
  return path;
}

async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a daemon a client starts takes idle timeout, log level and plain-HTTP registries from $XDG_CONFIG_HOME/orasd/config.json', async () => {
  const xdg = join(root, 'xdg');
  const configFile = await writeConfig(xdg, { $schema: './config.schema.json', idleTimeout: 7, logLevel: 'debug', plainHttp: [reg.host] });
  const state = join(root, 'state');
  await mkdir(state, { mode: 0o700 });
  const socketPath = join(state, 'orasd.sock');
  const c = await OrasdClient.connect({ socketPath, env: cleanEnv({ XDG_CONFIG_HOME: xdg, ORASD_SOCKET: socketPath }) });
  const s = await c.status();
  try {
    assert.deepEqual(s.settings, { configFile, idleTimeoutSeconds: 7, logLevel: 'debug', plainHttp: [reg.host] });

    const ref = `${reg.host}/config/r-${randomBytes(4).toString('hex')}:v1`;
    const pushed = await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }] });
    // With TLS options a loopback registry is reached over HTTPS, unless the config lists it.
    assert.equal((await c.resolve({ reference: ref, insecure: true })).digest, pushed.digest);
    // A request's own plainHttp: false wins over the list.
    await assert.rejects(c.resolve({ reference: ref, plainHttp: false }));

    // The daemon a client started logs next to its socket, at the configured level.
    const log = await readFile(join(state, 'orasd.log'), 'utf8');
    assert.ok(log.split('\n').some((l) => l.includes('"level":20')), 'debug lines in the log');
  } finally {
    await c.call('shutdown', {}).catch(() => undefined);
    c.dispose();
    await gone(s.pid);
  }
});

test('without the config the same request goes over HTTPS and fails; a missing file is fine', async () => {
  const d = await startDaemon({ env: cleanEnv({ XDG_CONFIG_HOME: join(root, 'empty') }) });
  try {
    const c = await d.client();
    const s = await c.status();
    assert.equal(s.settings?.configFile, undefined);
    assert.deepEqual(s.settings?.plainHttp, []);
    const ref = `${reg.host}/config/r-${randomBytes(4).toString('hex')}:v1`;
    await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }] });
    await assert.rejects(c.resolve({ reference: ref, insecure: true }));
  } finally {
    await d.stop();
  }
});

test('a flag wins over its ORASD_* variable, which wins over the config file', async () => {
  const configFile = await writeConfig(join(root, 'override'), { idleTimeout: 7, logLevel: 'warn', plainHttp: ['registry.example:5000'] });
  // startDaemon passes --log-level debug.
  const byEnv = await startDaemon({ env: cleanEnv({ ORASD_CONFIG: configFile, ORASD_IDLE_TIMEOUT: '9' }) });
  try {
    const s = await (await byEnv.client()).status();
    assert.equal(s.settings?.configFile, configFile);
    assert.equal(s.settings?.idleTimeoutSeconds, 9);
    assert.equal(s.settings?.logLevel, 'debug');
    assert.deepEqual(s.settings?.plainHttp, ['registry.example:5000'], 'what neither a flag nor a variable set comes from the file');
  } finally {
    await byEnv.stop();
  }
  const byFlag = await startDaemon({ env: cleanEnv({ ORASD_CONFIG: configFile, ORASD_IDLE_TIMEOUT: '9' }), args: ['--idle-timeout', '11'] });
  try {
    assert.equal((await (await byFlag.client()).status()).settings?.idleTimeoutSeconds, 11);
  } finally {
    await byFlag.stop();
  }
});

async function serveWith(config: string, stderr: 'pipe' | 'ignore'): Promise<{ code: number | null; stderr: string; dir: string }> {
  const dir = await mkdtemp(join(root, 'bad-'));
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, config);
  const child = spawn(process.execPath, [MAIN, 'serve', '--socket', join(dir, 'orasd.sock')], { env: cleanEnv({ ORASD_CONFIG: configFile }), stdio: ['ignore', 'ignore', stderr] });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  // Not a timing assertion: a daemon that wrongly accepted the file would otherwise serve for ever.
  const stray = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(stray);
  return { code, stderr: err, dir };
}

test('an invalid config file stops the daemon with the file, the key and the problem named', async () => {
  const wrongType = await serveWith(JSON.stringify({ idleTimeout: 'ten' }), 'pipe');
  assert.equal(wrongType.code, 2);
  assert.ok(wrongType.stderr.includes(join(wrongType.dir, 'config.json')), wrongType.stderr);
  assert.match(wrongType.stderr, /idleTimeout: Expected number \(got "ten"\)/);
  assert.equal(existsSync(join(wrongType.dir, 'orasd.sock')), false, 'it never listened');

  const typo = await serveWith(JSON.stringify({ idelTimeout: 5 }), 'pipe');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /idelTimeout: Unexpected property .*known keys: idleTimeout,/);

  const level = await serveWith(JSON.stringify({ logLevel: 'loud' }), 'pipe');
  assert.match(level.stderr, /logLevel: expected one of trace, debug, info, warn, error, silent \(got "loud"\)/);

  const notJson = await serveWith('{"idleTimeout": 5,', 'pipe');
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /config\.json is not JSON/);

  // A daemon with nobody reading its stderr (as a client starts it) says why in its log.
  const quiet = await serveWith(JSON.stringify({ plainHttp: 'localhost:5000' }), 'ignore');
  assert.equal(quiet.code, 2);
  const log = await readFile(join(quiet.dir, 'orasd.log'), 'utf8');
  assert.match(log, /not starting: the config file .*config\.json is invalid: plainHttp: Expected array/);
});
