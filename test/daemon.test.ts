/**
 * The daemon as clients meet it: transports, framing, many clients, bad input, disconnects,
 * and what its logs may never contain.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, chmod, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OrasdClient, OrasdRequestError } from '../clients/typescript/client';
import { ErrorCodes } from '../protocol/errors';
import { encodeFrame, FrameDecoder } from '../src/server/frame-decoder';
import { getSharedRegistries, type RunningRegistry } from './registries/harness';
import { MAIN, startDaemon, type TestDaemon } from './support/daemon';

let daemon: TestDaemon;
let client: OrasdClient;
let reg: RunningRegistry;
let ws: string;

before(async () => {
  const [regs, d] = await Promise.all([getSharedRegistries(), startDaemon()]);
  reg = regs.distribution;
  daemon = d;
  client = await daemon.client();
  ws = await mkdtemp(join(tmpdir(), 'orasd-daemon-ws-'));
  await writeFile(join(ws, 'a.txt'), 'hello');
});
after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
});

const repo = () => `${reg.host}/daemon/r-${randomBytes(4).toString('hex')}`;

async function expectError(p: Promise<unknown>, code: number, mentions: string[] = []): Promise<OrasdRequestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof OrasdRequestError, `expected an orasd error, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code} ${e.message}`);
    for (const m of mentions) assert.ok(e.message.includes(m) || JSON.stringify(e.data).includes(m), `"${m}" not in ${e.message} ${JSON.stringify(e.data)}`);
    return e;
  }
  assert.fail(`expected error ${code}`);
}

describe('transports', () => {
  test('NDJSON and Content-Length clients share one socket and one engine', async () => {
    const raw = await daemon.ndjson();
    const ref = `${repo()}:v1`;
    const [viaNd, viaLsp] = await Promise.all([
      raw.request(1, 'push', { reference: ref, cwd: ws, files: [{ path: 'a.txt' }] }),
      client.call('status', {}),
    ]);
    const pushed = viaNd.result as { digest: string };
    assert.match(pushed.digest, /^sha256:/);
    assert.ok(viaLsp.clients.connected >= 2);
    // The LSP client sees what the NDJSON client pushed, answered from the shared cache.
    const resolved = await client.resolve({ reference: ref });
    assert.equal(resolved.digest, pushed.digest);
    raw.close();
  });

  test('many requests in flight from several clients all get their own answers', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map(() => daemon.client()));
    const base = repo();
    await client.push({ reference: `${base}:t0`, cwd: ws, files: [{ path: 'a.txt' }] });
    const tags = Array.from({ length: 40 }, (_, i) => `t${i + 1}`);
    await Promise.all(tags.map((t, i) => clients[i % 4]!.tag({ reference: `${base}:t0`, tags: [t] })));
    const results = await Promise.all(tags.map((t, i) => clients[i % 4]!.resolve({ reference: `${base}:${t}` })));
    assert.equal(new Set(results.map((r) => r.digest)).size, 1);
    assert.deepEqual(results.map((r) => r.reference.split('@')[0]), tags.map(() => base));
  });

  test('stdio speaks LSP framing and writes nothing else to stdout', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--stdio', '--log-level', 'debug'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const send = (m: object) => child.stdin.write(encodeFrame('lsp', m));
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientName: 'test' } });
    send({ jsonrpc: '2.0', id: 2, method: 'status', params: {} });
    send({ jsonrpc: '2.0', id: 3, method: 'nope', params: {} });
    // Wait for the three answers (a cold daemon takes a few hundred ms), then close stdin.
    const answered = () => new FrameDecoder({ maxMessageBytes: 1 << 20, framing: 'lsp' }).push(Buffer.concat(chunks)).length >= 3;
    for (let i = 0; i < 200 && !answered(); i++) await new Promise((r) => setTimeout(r, 50));
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    const d = new FrameDecoder({ maxMessageBytes: 1 << 20, framing: 'lsp' });
    const events = d.push(Buffer.concat(chunks));
    assert.ok(events.every((e) => e.kind === 'message'), 'stdout held something that is not an LSP frame');
    const byId = Object.fromEntries(events.map((e) => [(e as { value: { id: number } }).value.id, (e as { value: Record<string, any> }).value]));
    assert.equal(byId[1].result.serverName, 'orasd');
    assert.equal(typeof byId[2].result.uptimeSeconds, 'number');
    assert.equal(byId[3].error.code, ErrorCodes.MethodNotFound);
  });
});

describe('bad input gets a documented error and the daemon keeps serving', () => {
  test('framing and JSON-RPC shape', async () => {
    const raw = await daemon.ndjson();
    raw.send('{this is not json\n');
    assert.equal(((await raw.next()).error as { code: number }).code, ErrorCodes.ParseError);
    raw.send('[{"jsonrpc":"2.0","id":1,"method":"status"}]\n');
    assert.equal(((await raw.next()).error as { code: number }).code, ErrorCodes.InvalidRequest);
    raw.send('{"jsonrpc":"2.0","id":7,"method":42}\n');
    const bad = await raw.next();
    assert.equal((bad.error as { code: number }).code, ErrorCodes.InvalidRequest);
    assert.equal(bad.id, 7);
    // Same connection still works.
    assert.ok(((await raw.request(8, 'status', {})).result as { pid: number }).pid > 0);
    raw.close();
  });

  test('a 20 MiB line is refused without being kept, and the connection goes on', async () => {
    const raw = await daemon.ndjson();
    raw.send(`{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":"${'a'.repeat(20 * 1024 * 1024)}"}}\n`);
    const refused = (await raw.next(30_000)).error as { code: number; data: { code: string } };
    assert.equal(refused.code, ErrorCodes.LimitExceeded);
    assert.equal(refused.data.code, 'LIMIT_EXCEEDED');
    assert.ok(((await raw.request(2, 'status', {})).result as { pid: number }).pid > 0);
    raw.close();
  });

  test('binary garbage closes only that connection', async () => {
    const raw = await daemon.ndjson();
    const closed = new Promise((r) => raw.socket.once('close', r));
    raw.send('\u0000\u0001garbage');
    assert.equal(((await raw.next()).error as { code: number }).code, ErrorCodes.ParseError);
    await closed;
    assert.ok((await client.status()).pid > 0);
  });

  test('unknown method, params that fail the schema', async () => {
    await expectError(client.connection.sendRequest('frobnicate', {}).catch((e) => Promise.reject(new OrasdRequestError(e.code, e.message, e.data))), ErrorCodes.MethodNotFound, ['frobnicate']);
    await expectError(client.call('push', { reference: 'x/y:z', files: 'nope' } as never), ErrorCodes.InvalidParams, ['/files']);
    await expectError(client.call('pull', { reference: 'x/y:z', keepOldFiles: 'yes' } as never), ErrorCodes.InvalidParams, ['keepOldFiles']);
    await expectError(client.call('resolve', { reference: 'x/y:z', bogus: 1 } as never), ErrorCodes.InvalidParams, ['bogus']);
  });

  test('malformed reference, missing file, unreachable registry', async () => {
    await expectError(client.push({ reference: 'localhost:5000/UPPER:v1', cwd: ws, files: [{ path: 'a.txt' }] }), ErrorCodes.InvalidReference, ['UPPER']);
    await expectError(client.push({ reference: `${repo()}:v1`, cwd: ws, files: [{ path: 'missing.txt' }] }), ErrorCodes.FileNotFound, ['missing.txt']);
    const e = await expectError(client.resolve({ reference: '127.0.0.1:1/nothing/here:v1' }), ErrorCodes.RegistryUnreachable, ['127.0.0.1:1']);
    assert.equal(e.data?.registry, '127.0.0.1:1');
  });

  test('not found, digest mismatch, manifest over 4 MiB', async () => {
    const r = repo();
    await client.push({ reference: `${r}:v1`, cwd: ws, files: [{ path: 'a.txt' }] });
    const nf = await expectError(client.resolve({ reference: `${r}:missing` }), ErrorCodes.ManifestUnknown, [`${r}:missing`]);
    assert.equal(nf.data?.code, 'MANIFEST_UNKNOWN');
    const m = (await client.call('manifest/fetch', { reference: `${r}:v1` })).content!;
    await expectError(client.call('manifest/push', { reference: `${r}@sha256:${'0'.repeat(64)}`, content: m }), ErrorCodes.DigestMismatch, ['sha256:0000']);
    const huge = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'a/b', digest: `sha256:${'1'.repeat(64)}`, size: 1 }, layers: [], annotations: { big: 'x'.repeat(4 * 1024 * 1024) } });
    await expectError(client.call('manifest/push', { reference: `${r}:big`, content: huge }), ErrorCodes.ManifestTooLarge, ['4194304']);
  });

  test('an existing file with keepOldFiles, a title that climbs out: nothing written', async () => {
    const r = repo();
    const sub = join(ws, 'sub');
    await mkdir(sub, { recursive: true });
    await writeFile(join(ws, 'escape.txt'), 'outside');
    await client.push({ reference: `${r}:trav`, cwd: sub, files: [{ path: '../escape.txt' }] });
    const out = await mkdtemp(join(tmpdir(), 'orasd-out-'));
    await expectError(client.pull({ reference: `${r}:trav`, output: join(out, 'inner') }), ErrorCodes.PathTraversal, ['../escape.txt']);
    assert.deepEqual(await readdir(out), ['inner']);
    assert.deepEqual(await readdir(join(out, 'inner')), []);
    await client.push({ reference: `${r}:v1`, cwd: ws, files: [{ path: 'a.txt' }] });
    await writeFile(join(out, 'a.txt'), 'mine');
    await expectError(client.pull({ reference: `${r}:v1`, output: out, keepOldFiles: true }), ErrorCodes.FileExists, ['a.txt']);
    assert.deepEqual((await readdir(out)).sort(), ['a.txt', 'inner']);
    await rm(out, { recursive: true });
  });
});

describe('disconnects and cancellation', () => {
  test('a client that disconnects mid-push leaves the daemon serving and no manifest behind', async () => {
    const big = join(ws, 'big.bin');
    await writeFile(big, randomBytes(64 * 1024 * 1024));
    const raw = await daemon.ndjson();
    const ref = `${repo()}:gone`;
    raw.send({ jsonrpc: '2.0', id: 1, method: 'push', params: { reference: ref, cwd: ws, files: [{ path: 'big.bin' }] } });
    await new Promise((r) => setTimeout(r, 150));
    raw.close();
    for (let i = 0; i < 100 && (await client.status()).requests.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const s = await client.status();
    assert.equal(s.requests.inFlight, 0);
    assert.equal(s.requests.total, s.requests.succeeded + s.requests.failed + s.requests.cancelled + s.requests.inFlight);
    await expectError(client.resolve({ reference: ref }), ErrorCodes.ManifestUnknown);
    await rm(big);
  });

  test('$/cancelRequest answers -32800', async () => {
    const big = join(ws, 'big2.bin');
    await writeFile(big, randomBytes(64 * 1024 * 1024));
    const ctrl = new AbortController();
    const ref = `${repo()}:cancelled`;
    const p = client.push({ reference: ref, cwd: ws, files: [{ path: 'big2.bin' }] }, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 100);
    await expectError(p, ErrorCodes.RequestCancelled);
    await expectError(client.resolve({ reference: ref }), ErrorCodes.ManifestUnknown);
    await rm(big);
  });
});

describe('security of the socket and the logs', () => {
  test('socket 0600 in a 0700 folder; a folder open to others is refused', async () => {
    assert.equal((await stat(daemon.socketPath)).mode & 0o777, 0o600);
    assert.equal((await stat(daemon.dir)).mode & 0o777, 0o700);
    const loose = await mkdtemp(join(tmpdir(), 'orasd-loose-'));
    await chmod(loose, 0o755);
    const child = spawn(process.execPath, [MAIN, 'serve', '--socket', join(loose, 's.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    assert.notEqual(code, 0);
    assert.match(err, /accessible to other users/);
    await rm(loose, { recursive: true });
  });

  test('a second serve on a live socket says so and exits', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--socket', daemon.socketPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, /already serving/);
    assert.ok((await client.status()).pid > 0);
  });

  test('passwords and tokens never reach the log', async () => {
    const secret = `s3cret-${randomBytes(6).toString('hex')}`;
    await client.resolve({ reference: `${repo()}:x`, username: 'someone', password: secret }).catch(() => undefined);
    await client.call('login', { registry: '127.0.0.1:1', username: 'someone', password: secret }).catch(() => undefined);
    const raw = await daemon.ndjson();
    await raw.request(1, 'push', { reference: `${repo()}:v1`, cwd: ws, files: [{ path: 'a.txt' }], password: secret, username: 'u' });
    raw.close();
    const log = await daemon.log();
    assert.ok(log.length > 1000, 'the debug log should have content');
    assert.ok(!log.includes(secret), 'the secret appeared in the log');
    assert.ok(!JSON.stringify(await client.status()).includes(secret));
  });
});
