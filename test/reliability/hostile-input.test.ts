/**
 * Hostile input to the daemon itself: broken frames, floods, odd JSON-RPC, hostile references and
 * digests, and fuzzed params for every method. Each gets a documented error (never INTERNAL_ERROR),
 * nothing is written outside the sandbox, memory stays bounded and the daemon keeps serving.
 * (daemon.test.ts covers the basics: invalid JSON, batches, a 20 MiB line, binary garbage.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { OrasdClient } from '../../clients/typescript/client';
import { ErrorCodes, MethodsByName } from '../../protocol';
import { parseReference } from '../../src/oci/reference';
import { connect, RawClient } from '../support/daemon';
import { SOAK, TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { STATE_FILES, startSandboxedDaemon, type ReliabilityDaemon } from './support/daemon';
import { listTree } from './support/tree';

let root: string;
let daemon: ReliabilityDaemon;
let client: OrasdClient;
const DEAD = '127.0.0.1:1';
const DOCUMENTED = new Set<number>(Object.values(ErrorCodes).filter((c) => c !== ErrorCodes.InternalError));
const figures = { frames: 0, floodRequests: 0, references: 0, fuzzedRequests: 0, internalErrors: 0, rssStartMiB: 0, rssPeakMiB: 0, rssEndMiB: 0 };
let peak = 0;

async function rss(): Promise<number> {
  const r = (await client.status()).memory.rss;
  peak = Math.max(peak, r);
  return r;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'orasd-rel-hostile-'));
  daemon = await startSandboxedDaemon(root);
  client = await daemon.client();
  await writeFile(join(root, 'cwd', 'a.txt'), 'a');
  figures.rssStartMiB = Math.round((await rss()) / 2 ** 20);
});

after(async () => {
  figures.rssPeakMiB = Math.round(peak / 2 ** 20);
  figures.rssEndMiB = Math.round((await rss()) / 2 ** 20);
  recordFigures('hostile-input', 'test/reliability/hostile-input.test.ts', figures);
  await daemon.stop();
  await rm(root, { recursive: true, force: true });
});

async function alive(): Promise<void> {
  assert.ok((await client.status()).pid > 0, 'the daemon still answers');
}

/** Opens a raw socket, writes `bytes`, and returns what came back until the daemon closed it (or `ms` passed). */
async function exchange(bytes: Buffer | string, ms = 3000): Promise<{ text: string; closed: boolean }> {
  const s = await connect(daemon.socketPath);
  let text = '';
  let closed = false;
  s.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const done = new Promise<void>((r) => s.once('close', () => ((closed = true), r())));
  s.on('error', () => undefined);
  s.write(bytes);
  await Promise.race([done, new Promise((r) => setTimeout(r, ms))]);
  s.destroy();
  figures.frames++;
  return { text, closed };
}

describe('frames', () => {
  test('Content-Length that is not a number, negative, or spelled as a float ends that connection only', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const v of ['abc', '-1', '1e3', '0x10', '12 34', '']) {
      const r = await exchange(`Content-Length: ${v}\r\n\r\n{}`);
      assert.ok(r.closed, `Content-Length "${v}" should close the connection`);
      assert.match(r.text, /-32700/, `Content-Length "${v}": ${r.text}`);
    }
    await alive();
  });

  test('a Content-Length of 16 GiB is refused before any of it is read or allocated', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = await rss();
    const r = await exchange(`Content-Length: ${16 * 2 ** 30}\r\n\r\n{"jsonrpc":"2.0"`);
    assert.ok(r.closed);
    assert.match(r.text, /exceeds/);
    assert.ok((await rss()) - before < 32 * 2 ** 20);
    await alive();
  });

  test('a Content-Length shorter than the body desynchronises only that connection', { timeout: TEST_TIMEOUT_MS }, async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} });
    const r = await exchange(`Content-Length: ${body.length - 5}\r\n\r\n${body}`);
    assert.match(r.text, /-32700/);
    await alive();
  });

  test('a 100 MB line is skipped without being kept; the connection then goes on', { timeout: TEST_TIMEOUT_MS }, async () => {
    const raw = new RawClient(await connect(daemon.socketPath));
    const before = await rss();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    raw.socket.write('{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":"');
    for (let i = 0; i < 100; i++) {
      if (!raw.socket.write(chunk)) await new Promise((r) => raw.socket.once('drain', r));
    }
    raw.socket.write('"}}\n');
    const refused = await raw.next(60_000);
    assert.equal((refused.error as { code: number }).code, ErrorCodes.LimitExceeded);
    assert.ok(((await raw.request(2, 'status', {})).result as { pid: number }).pid > 0);
    const grew = (await rss()) - before;
    assert.ok(grew < 48 * 2 ** 20, `RSS grew by ${grew >> 20} MiB for a 100 MB line`);
    figures.frames++;
    raw.close();
  });

  test('JSON nested 100,000 deep, and odd ids and method names, get answers, not crashes', { timeout: TEST_TIMEOUT_MS }, async () => {
    const raw = new RawClient(await connect(daemon.socketPath));
    raw.send(`{"jsonrpc":"2.0","id":1,"method":"status","params":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}\n`);
    const deep = await raw.next(20_000);
    assert.ok(deep.error || deep.result, 'an answer to the deep message');
    for (const [i, method] of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'x'.repeat(10_000), '', '$/cancelRequest', 'initialize/../status'].entries()) {
      const r = await raw.request(100 + i, method, {});
      assert.equal((r.error as { code: number }).code, ErrorCodes.MethodNotFound, `${method.slice(0, 20)}: ${JSON.stringify(r).slice(0, 200)}`);
    }
    raw.send({ jsonrpc: '2.0', id: { evil: true }, method: 'status' });
    assert.equal(((await raw.next()).error as { code: number }).code, ErrorCodes.InvalidRequest);
    raw.send({ jsonrpc: '2.0', id: 2 ** 80, method: 'status' });
    assert.ok((await raw.next()).result, 'a huge numeric id is still an id');
    raw.send('{"jsonrpc":"2.0","id":7,"method":"status","params":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}\n');
    assert.ok((await raw.next()).result || true);
    // Notifications and responses nobody asked for are dropped silently.
    raw.send({ jsonrpc: '2.0', method: 'no/such/notification', params: {} });
    raw.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'never-sent' } });
    raw.send({ jsonrpc: '2.0', id: 999, result: { forged: true } });
    raw.send({ jsonrpc: '2.0', id: 998, error: { code: 1, message: 'forged' } });
    assert.ok(((await raw.request(3, 'status', {})).result as { pid: number }).pid > 0);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    figures.frames += 16;
    raw.close();
    await alive();
  });

  test('a client that floods requests and never reads its answers does not grow the daemon, nor stall others', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = await rss();
    const s = await connect(daemon.socketPath);
    s.pause();
    const line = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resolve', params: { reference: 'NOT A REFERENCE' } })}\n`;
    const chunk = Buffer.from(line.repeat(2000));
    let written = 0;
    const flood = (async () => {
      for (let i = 0; i < 200 && !s.destroyed; i++) {
        written += chunk.length;
        if (!s.write(chunk)) await Promise.race([new Promise((r) => s.once('drain', r)), new Promise((r) => setTimeout(r, 200))]);
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));
    await alive();
    const grew = (await rss()) - before;
    s.destroy();
    await flood.catch(() => undefined);
    figures.floodRequests += Math.round(written / line.length);
    assert.ok(grew < 96 * 2 ** 20, `RSS grew by ${grew >> 20} MiB while ${written >> 20} MiB were thrown at it`);
  });

  test('garbage on many connections at once', { timeout: TEST_TIMEOUT_MS }, async () => {
    const junk = [Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from('\u0016\u0003\u0001\u0002\u0000'), Buffer.from('Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}')];
    const rs = await Promise.all(Array.from({ length: 64 }, (_, i) => exchange(junk[i % junk.length]!, 2000)));
    assert.ok(rs.every((r) => r.closed || r.text.includes('error')));
    await alive();
  });
});

/** References a hostile caller might send; none may reach the network. */
const HOSTILE_REFERENCES = [
  '../../etc/passwd',
  '/etc/passwd',
  `${DEAD}/a/../../b:v1`,
  `${DEAD}/a/./b:v1`,
  `${DEAD}//a:v1`,
  `${DEAD}/a:v1\r\nX-Injected: 1`,
  `${DEAD}/a:v1\u0000`,
  `${DEAD}/a@sha256:${'0'.repeat(63)}`,
  `${DEAD}/a@sha256:${'A'.repeat(64)}`,
  `${DEAD}/a@sha256:${'0'.repeat(64)}0`,
  `${DEAD}/a@sha256:../../../../etc/passwd`,
  `${DEAD}/a@md5:${'0'.repeat(32)}`,
  `${DEAD}/a@sha512:${'0'.repeat(64)}`,
  `${DEAD}/a:${'t'.repeat(129)}`,
  `${DEAD}/${'a'.repeat(300)}:v1`,
  `${'h'.repeat(2000)}/a:v1`,
  'user:secret@127.0.0.1:1/a:v1',
  'http://127.0.0.1:1/a:v1',
  '08/a:v1',
  '1.2.3.08/a:v1',
  '999.1.1.1/a:v1',
  '127.0.0.1:0/a:v1',
  '127.0.0.1:65536/a:v1',
  '[::1/a:v1',
  `${DEAD}/ａ:v1`,
  `${DEAD}/a:v1@`,
  `${DEAD}/a:-v1`,
  `${DEAD}/a?x=1:v1`,
  `${DEAD}/a#frag:v1`,
  `${DEAD}/a%2F..%2Fb:v1`,
  `${DEAD}/A:v1`,
  '',
  ' ',
];

const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
  layers: [],
});

describe('hostile references and digests', () => {
  const refusals = new Set<number>([ErrorCodes.InvalidReference, ErrorCodes.DigestInvalid, ErrorCodes.InvalidParams]);
  test('every method refuses them with INVALID_REFERENCE or DIGEST_INVALID, before any request goes out', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = (await client.status()).http.requests;
    const cwd = join(root, 'cwd');
    for (const ref of HOSTILE_REFERENCES) {
      const calls: Array<[string, Record<string, unknown>]> = [
        ['resolve', { reference: ref }],
        ['pull', { reference: ref, output: 'out', cwd }],
        ['push', { reference: ref, files: [{ path: 'a.txt' }], cwd }],
        ['attach', { reference: ref, files: [{ path: 'a.txt' }], artifactType: 'a/b', cwd }],
        ['discover', { reference: ref }],
        ['copy', { source: ref, destination: `${DEAD}/x:v1` }],
        ['copy', { source: `${DEAD}/x:v1`, destination: ref }],
        ['tag', { reference: ref, tags: ['v2'] }],
        ['manifest/fetch', { reference: ref }],
        ['manifest/delete', { reference: ref }],
        ['blob/fetch', { reference: ref, output: 'b', cwd }],
        ['blob/delete', { reference: ref }],
        ['repo/tags', { reference: ref }],
      ];
      for (const [method, params] of calls) {
        const err = await client.call(method as 'resolve', params as never).then(
          () => undefined,
          (e: { code: number; message: string }) => e,
        );
        figures.references++;
        assert.ok(err, `${method} accepted ${JSON.stringify(ref)}`);
        assert.ok(refusals.has(err.code), `${method} ${JSON.stringify(ref).slice(0, 60)}: ${err.code} ${err.message}`);
      }
    }
    // Digests given on their own, and tags to add.
    for (const digest of ['sha256:abc', `sha256:${'g'.repeat(64)}`, 'sha256', `SHA256:${'0'.repeat(64)}`]) {
      const e = await client.call('manifest/push', { reference: `${DEAD}/a@${digest}`, content: '{}' }).catch((x: { code: number }) => x);
      assert.ok(refusals.has((e as { code: number }).code));
    }
    for (const t of ['../x', 'a b', '-x', 'x'.repeat(200), '', 'v1\r\nX: 1']) {
      const e = await client.call('tag', { reference: `${DEAD}/a:v1`, tags: [t] }).catch((x: { code: number }) => x);
      assert.ok(refusals.has((e as { code: number }).code), `tag ${JSON.stringify(t)}: ${JSON.stringify(e)}`);
      const m = await client.call('manifest/push', { reference: `${DEAD}/a:v1`, content: MANIFEST, extraTags: [t] }).catch((x: { code: number }) => x);
      assert.ok(refusals.has((m as { code: number }).code), `extra tag ${JSON.stringify(t)}: ${JSON.stringify(m)}`);
    }
    assert.equal((await client.status()).http.requests, before, 'a hostile reference reached the network');
    await alive();
  });
});

/** Param templates that would be valid, aimed at a port where nothing listens. */
function templates(cwd: string): Record<string, Record<string, unknown>> {
  const ref = `${DEAD}/fuzz/r:v1`;
  const dig = `${DEAD}/fuzz/r@sha256:${'0'.repeat(64)}`;
  return {
    initialize: { clientName: 'fuzz' },
    status: {},
    push: { reference: ref, files: [{ path: 'a.txt' }], cwd },
    pull: { reference: ref, output: 'out', cwd },
    attach: { reference: ref, files: [{ path: 'a.txt' }], artifactType: 'a/b', cwd },
    discover: { reference: ref },
    copy: { source: ref, destination: `${DEAD}/fuzz/s:v1`, cwd },
    tag: { reference: ref, tags: ['v2'] },
    resolve: { reference: ref },
    'manifest/fetch': { reference: ref, cwd },
    'manifest/fetchConfig': { reference: ref, cwd },
    'manifest/push': { reference: ref, content: '{"schemaVersion":2}', cwd },
    'manifest/delete': { reference: ref },
    'blob/fetch': { reference: dig, output: 'blob', cwd },
    'blob/push': { reference: dig, file: 'a.txt', cwd },
    'blob/delete': { reference: dig },
    'repo/tags': { reference: `${DEAD}/fuzz/r` },
    'repo/list': { reference: DEAD },
    login: { registry: DEAD, username: 'u', password: 'p', cwd },
    logout: { registry: DEAD, cwd },
  };
}

describe('fuzzed params for every method', () => {
  test('random values, wrong types, missing and unknown fields: documented errors only', { timeout: TEST_TIMEOUT_MS }, async () => {
    const cwd = join(root, 'cwd');
    const base = templates(cwd);
    const raw = new RawClient(await connect(daemon.socketPath));
    // Strings the daemon might treat as references, paths or digests: never ones that would reach a
    // live host, and no OCI-layout switches (a layout path is a legitimate place to write).
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(...HOSTILE_REFERENCES, '../../../../tmp/x', '/dev/null', '.', '..', 'a.txt', 'C:\\x', '\u0000', `sha256:${'0'.repeat(64)}`),
    ).filter((s) => {
      try {
        const r = parseReference(s);
        return r.registry === DEAD;
      } catch {
        return true;
      }
    });
    const value = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 3 }), fc.jsonValue({ maxDepth: 3 }));
    const methods = Object.keys(base);
    const forbidden = new Set(['ociLayout', 'fromOciLayout', 'toOciLayout', 'cwd', 'registry']);
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.string({ maxLength: 12 }), value }),
      fc.record({ op: fc.constant('setKnown' as const), index: fc.nat(), value }),
      fc.record({ op: fc.constant('drop' as const), index: fc.nat() }),
    );
    const request = fc.record({
      method: fc.constantFrom(...methods),
      mutations: fc.array(mutation, { maxLength: 3 }),
      replace: fc.option(fc.oneof(fc.constant(null), fc.array(value, { maxLength: 2 }), text, fc.integer()), { freq: 12 }),
    });
    const samples = fc.sample(request, { numRuns: SOAK ? 5000 : 600, seed: 20251125 });
    let id = 0;
    for (const r of samples) {
      const known = Object.keys((MethodsByName.get(r.method)!.params as { properties?: Record<string, unknown> }).properties ?? {}).filter((k) => !forbidden.has(k));
      let params: unknown = structuredClone(base[r.method]);
      for (const m of r.mutations) {
        const p = params as Record<string, unknown>;
        if (m.op === 'set' && !forbidden.has(m.key)) p[m.key] = m.value;
        if (m.op === 'setKnown' && known.length) p[known[m.index % known.length]!] = m.value;
        if (m.op === 'drop') {
          const keys = Object.keys(p).filter((k) => !forbidden.has(k));
          if (keys.length) delete p[keys[m.index % keys.length]!];
        }
      }
      if (r.replace !== null) params = r.replace;
      id++;
      const res = await raw.request(id, r.method, params);
      figures.fuzzedRequests++;
      if (res.error) {
        const code = (res.error as { code: number }).code;
        if (code === ErrorCodes.InternalError) figures.internalErrors++;
        assert.ok(DOCUMENTED.has(code), `${r.method} ${JSON.stringify(params).slice(0, 300)} → ${JSON.stringify(res.error).slice(0, 300)}`);
      }
    }
    raw.close();
    await alive();
    // Nothing escaped the sandbox's working folder, temporary folder and docker config, and the
    // daemon's own folder (its working directory) holds only its own files.
    const stray = (await listTree(root)).filter((e) => !/^(cwd|tmp|home|docker)(\/|$)/.test(e.path) && !(e.path === 'state' || (e.path.startsWith('state/') && STATE_FILES.test(e.path.slice('state/'.length)))));
    assert.deepEqual(stray, []);
    assert.deepEqual((await listTree(join(root, 'tmp'))).map((e) => e.path), []);
  });
});
