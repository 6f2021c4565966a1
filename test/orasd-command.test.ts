/** The `orasd` command's own verbs: daemon status|sockname|stop, call, batch. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN } from './support/daemon';

let dir: string;
let env: NodeJS.ProcessEnv;
let reg: RunningRegistry;

function orasd(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  reg = (await getSharedRegistries()).refreg;
  dir = await mkdtemp(join(tmpdir(), 'orasd-cmd-'));
  await mkdir(join(dir, 'run'), { mode: 0o700 });
  env = { ...process.env, ORASD_SOCKET: join(dir, 'run', 'orasd.sock') };
  await writeFile(join(dir, 'a.txt'), 'a');
});
after(async () => {
  await orasd(['daemon', 'stop']);
  await rm(dir, { recursive: true, force: true });
});

test('daemon status before any daemon, sockname starts one, status then reports it', async () => {
  const none = await orasd(['daemon', 'status']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no daemon is running/);
  const sock = await orasd(['daemon', 'sockname']);
  assert.equal(sock.code, 0, sock.stderr);
  assert.equal(sock.stdout.trim(), env.ORASD_SOCKET);
  const status = await orasd(['daemon', 'status']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).socket, env.ORASD_SOCKET);
});

test('call sends one request and prints its result, or the error with its code', async () => {
  const ref = `${reg.host}/orasd-call/x:v1`;
  const pushed = await orasd(['call', 'push', JSON.stringify({ reference: ref, cwd: dir, files: [{ path: 'a.txt' }] })]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const digest = JSON.parse(pushed.stdout).digest as string;
  const resolved = await orasd(['call', 'resolve', '-'], JSON.stringify({ reference: ref }));
  assert.equal(JSON.parse(resolved.stdout).digest, digest);
  const missing = await orasd(['call', 'resolve', JSON.stringify({ reference: `${reg.host}/orasd-call/x:nope` })]);
  assert.equal(missing.code, 1);
  assert.equal(JSON.parse(missing.stderr).error.data.code, 'MANIFEST_UNKNOWN');
});

test('batch runs every line over one connection and answers each as it completes', async () => {
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `p${i}`, method: 'push', params: { reference: `${reg.host}/orasd-batch/r:t${i}`, cwd: dir, files: [{ path: 'a.txt' }] } }));
  lines.push('not json', JSON.stringify({ id: 'bad', method: 'resolve', params: { reference: 'UPPER/x' } }));
  const r = await orasd(['batch'], `${lines.join('\n')}\n`);
  assert.equal(r.code, 1, 'a failed line makes the exit code 1');
  const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; result?: { digest: string }; error?: { code: number } });
  assert.equal(answers.length, 22);
  const ok = answers.filter((a) => a.result);
  assert.equal(ok.length, 20);
  assert.equal(new Set(ok.map((a) => a.id)).size, 20);
  assert.ok(ok.every((a) => /^sha256:[a-f0-9]{64}$/.test(a.result!.digest)));
  assert.equal(answers.find((a) => a.id === null)?.error?.code, -32700);
  assert.equal(answers.find((a) => a.id === 'bad')?.error?.code, 1100);
});

test('daemon stop returns when the daemon has exited', async () => {
  const status = JSON.parse((await orasd(['daemon', 'status'])).stdout) as { pid: number };
  const stop = await orasd(['daemon', 'stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.throws(() => process.kill(status.pid, 0));
});
