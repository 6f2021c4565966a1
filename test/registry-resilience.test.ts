// Retries, Retry-After, broken connections, resumed downloads, restarted uploads and
// cancellation, with faults injected by a proxy in front of a real distribution.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { ErrorCodes, OrasdError } from '../src/errors';
import { descriptorOf } from '../src/oci/descriptor';
import { MediaTypes } from '../src/oci/mediatypes';
import { getSharedRegistries, startDistribution, type RunningRegistry } from './registries/harness';
import { makeArtifact, newRegistries, pushArtifact, readAll, startFaultProxy, uniqueRepo, type FaultProxy } from './support/registry-fixtures';

let dist: RunningRegistry;
let proxy: FaultProxy;

before(async () => {
  dist = (await getSharedRegistries()).distribution;
  proxy = await startFaultProxy(dist.url);
});
after(() => proxy.stop());

const pass = () => ({ kind: 'pass' as const });

describe('retries', () => {
  test('503 and 429 (with Retry-After) are retried for idempotent requests', async () => {
    const regs = newRegistries();
    const repo = uniqueRepo('retry');
    const a = makeArtifact();
    await pushArtifact(regs.repository(proxy.host, repo), a, 'v1');
    let failures = 0;
    proxy.setRule((req) => {
      if (req.method === 'HEAD' && failures < 2) {
        failures++;
        return failures === 1 ? { kind: 'status', status: 503 } : { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
      }
      return pass();
    });
    const started = Date.now();
    const d = await regs.repository(proxy.host, repo).resolve('v1', { noCache: true });
    assert.equal(d.digest, a.manifest.digest);
    assert.equal(failures, 2);
    assert.ok(Date.now() - started >= 900, 'Retry-After: 1 was honoured');
    proxy.setRule(pass);
    await regs.close();
  });

  test('a connection reset is retried; persistent 500s end in RegistryError after the attempts', async () => {
    const regs = newRegistries();
    const repo = uniqueRepo('reset');
    const a = makeArtifact();
    await pushArtifact(regs.repository(proxy.host, repo), a, 'v1');
    let resets = 0;
    proxy.setRule((req) => (req.method === 'GET' && resets++ === 0 ? { kind: 'reset' } : pass()));
    assert.ok((await regs.repository(proxy.host, repo).fetchManifest('v1', { noCache: true })).bytes.equals(a.bytes));
    assert.equal(resets, 2);

    let served = 0;
    proxy.setRule(() => {
      served++;
      return { kind: 'status', status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}' };
    });
    await assert.rejects(regs.repository(proxy.host, repo).fetchManifest('v1', { noCache: true }), (e: unknown) => {
      assert.ok(e instanceof OrasdError);
      assert.equal(e.code, ErrorCodes.RegistryError);
      assert.equal(e.data.status, 500);
      assert.match(e.message, /disk on fire/);
      return true;
    });
    assert.equal(served, 3, 'three attempts, as configured');
    proxy.setRule(pass);
    await regs.close();
  });

  test('a Retry-After far in the future is not waited for', async () => {
    const regs = newRegistries();
    proxy.setRule(() => ({ kind: 'status', status: 429, headers: { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() } }));
    const started = Date.now();
    await assert.rejects(regs.repository(proxy.host, uniqueRepo('slow')).resolve('v1', { noCache: true }), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.TooManyRequests);
    assert.ok(Date.now() - started < 2000);
    proxy.setRule(pass);
    await regs.close();
  });

  test('a failed blob upload starts over with a new session and fresh bytes', async () => {
    const regs = newRegistries();
    const t = regs.repository(proxy.host, uniqueRepo('upload'));
    const data = randomBytes(2 * 1024 * 1024);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    let puts = 0;
    proxy.setRule((req) => (req.method === 'PUT' && puts++ === 0 ? { kind: 'status', status: 502 } : pass()));
    let opened = 0;
    const outcome = await t.pushBlob(d, () => {
      opened++;
      return Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]);
    });
    assert.equal(outcome, 'pushed');
    assert.equal(opened, 2);
    assert.equal(proxy.seen.filter((s) => s.startsWith('POST')).length >= 2, true);
    proxy.setRule(pass);
    const check = newRegistries();
    assert.ok((await readAll(await check.repository(dist.host, t.repository).fetchBlob(d))).equals(data));
    await check.close();
    await regs.close();
  });
});

describe('answers that break after the headers', () => {
  test('a manifest and a tag list cut mid-body are fetched again', async () => {
    const regs = newRegistries();
    const repo = uniqueRepo('cut');
    const a = makeArtifact({ annotations: { pad: 'p'.repeat(2000) } });
    await pushArtifact(regs.repository(proxy.host, repo), a, 'v1');
    for (const tag of ['v2', 'v3']) await regs.repository(proxy.host, repo).tag(a.manifest, tag);
    const cut = (what: RegExp) => {
      let n = 0;
      proxy.setRule((req) => (req.method === 'GET' && what.test(req.url ?? '') && n++ === 0 ? { kind: 'truncate', after: 30 } : pass()));
      return () => n;
    };
    const reader = newRegistries();
    let seen = cut(/\/manifests\//);
    assert.ok((await reader.repository(proxy.host, repo).fetchManifest(a.manifest.digest)).bytes.equals(a.bytes));
    assert.equal(seen(), 2);
    seen = cut(/\/tags\/list/);
    assert.deepEqual((await reader.repository(proxy.host, repo).tags()).sort(), ['v1', 'v2', 'v3']);
    assert.equal(seen(), 2);
    proxy.setRule(pass);
    await regs.close();
    await reader.close();
  });

  test('a referrers API answer that does not parse is retried, then an error; it is never taken for "no API"', async () => {
    const refreg = (await getSharedRegistries()).refreg;
    const rproxy = await startFaultProxy(refreg.url);
    const regs = newRegistries();
    try {
      const repo = uniqueRepo('garbled');
      const t = regs.repository(rproxy.host, repo);
      const s = makeArtifact();
      await pushArtifact(t, s, 'v1');
      const r = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' });
      await pushArtifact(t, r);
      const garble = (b: Buffer) => Buffer.concat([b.subarray(0, 10), Buffer.from('}{'), b.subarray(10)]);
      let n = 0;
      rproxy.setRule((req) => (req.url?.includes('/referrers/') && n++ === 0 ? { kind: 'rewrite', body: garble } : pass()));
      assert.deepEqual((await t.referrers(s.manifest)).map((d) => d.digest), [r.manifest.digest], 'once: retried');
      rproxy.setRule((req) => (req.url?.includes('/referrers/') ? { kind: 'rewrite', body: garble } : pass()));
      await assert.rejects(t.referrers(s.manifest), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.RegistryError && e.data.status === 200);
      rproxy.setRule(pass);
      assert.deepEqual((await t.referrers(s.manifest)).map((d) => d.digest), [r.manifest.digest], 'the API is still used afterwards');
    } finally {
      await regs.close();
      await rproxy.stop();
    }
  });
});

describe('downloads', () => {
  test('a download cut mid-way resumes with a Range request and still verifies', async () => {
    const regs = newRegistries();
    const repo = uniqueRepo('resume');
    const data = randomBytes(1024 * 1024 + 5);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    await regs.repository(dist.host, repo).pushBlob(d, () => Readable.from([data]));
    let gets = 0;
    const ranges: string[] = [];
    proxy.setRule((req) => {
      if (req.method !== 'GET' || !req.url?.includes('/blobs/')) return pass();
      gets++;
      if (req.headers.range) ranges.push(String(req.headers.range));
      return gets === 1 ? { kind: 'truncate', after: 300_000 } : pass();
    });
    const got = await readAll(await regs.repository(proxy.host, repo).fetchBlob(d));
    assert.ok(got.equals(data));
    assert.equal(gets, 2);
    assert.ok(ranges[0]?.startsWith('bytes='), `range request: ${ranges.join(',')}`);
    proxy.setRule(pass);
    await regs.close();
  });

  test('cancelling a download fails the stream with RequestCancelled, without retries', async () => {
    const regs = newRegistries();
    const repo = uniqueRepo('cancel');
    const data = randomBytes(8 * 1024 * 1024);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    await regs.repository(dist.host, repo).pushBlob(d, () => Readable.from([data]));
    const ac = new AbortController();
    const stream = await regs.repository(dist.host, repo).fetchBlob(d, { signal: ac.signal });
    const before = regs.stats().requests;
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const c of stream) {
          n += (c as Buffer).length;
          if (n > 100_000) ac.abort();
        }
      })(),
      (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.RequestCancelled,
    );
    assert.equal(regs.stats().requests, before, 'no resume after an abort');
    await assert.rejects(regs.repository(dist.host, repo).resolve('x', { signal: ac.signal }), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.RequestCancelled);
    await regs.close();
  });

  test('an aborted retry wait ends at once', async () => {
    const regs = newRegistries({ retry: { attempts: 5, baseDelayMs: 2_000, maxDelayMs: 10_000 } });
    proxy.setRule(() => ({ kind: 'status', status: 503 }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    await assert.rejects(regs.repository(proxy.host, uniqueRepo('w')).resolve('v1', { signal: ac.signal }), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.RequestCancelled);
    assert.ok(Date.now() - started < 1500);
    proxy.setRule(pass);
    await regs.close();
  });
});

describe('redirects', () => {
  test('a blob redirected to another origin is fetched without our credentials and verified', async () => {
    const basic = await startDistribution({ auth: 'basic' });
    const front = await startFaultProxy(basic.url);
    const creds = { username: 'orasd-user', password: 'orasd-pass' };
    const lines: string[] = [];
    const regs = newRegistries({ log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }) });
    const data = randomBytes(5000);
    const d = descriptorOf(MediaTypes.DefaultLayer, data);
    const repo = uniqueRepo('redirect');
    await regs.repository(basic.host, repo, creds).pushBlob(d, () => Readable.from([data]));
    const storageSaw: Array<string | undefined> = [];
    const storage = http.createServer((req, res) => {
      storageSaw.push(req.headers.authorization);
      res.writeHead(200, { 'content-length': String(data.length) });
      res.end(data);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', () => r()));
    const storageUrl = `http://127.0.0.1:${(storage.address() as { port: number }).port}/bucket/blob?X-Amz-Signature=very-secret-signature`;
    front.setRule((req) => (req.method === 'GET' && req.url?.includes('/blobs/') ? { kind: 'status', status: 307, headers: { location: storageUrl } } : pass()));
    try {
      const got = await readAll(await regs.repository(front.host, repo, creds).fetchBlob(d));
      assert.ok(got.equals(data));
      assert.deepEqual(storageSaw, [undefined], 'no Authorization header for the storage origin');
      assert.ok(regs.stats().byOrigin[`http://${front.host}`]! >= 1);
      assert.ok(!lines.join('\n').includes('very-secret-signature'), 'presigned query strings are redacted in logs');
    } finally {
      await regs.close();
      storage.close();
      await front.stop();
      await basic.stop();
    }
  });
});

describe('auth recovery and logs', () => {
  let tokenReg: RunningRegistry;
  let tproxy: FaultProxy;
  before(async () => {
    tokenReg = await startDistribution({ auth: 'token' });
    tproxy = await startFaultProxy(tokenReg.url);
  });
  after(async () => {
    await tproxy.stop();
    await tokenReg.stop();
  });

  test('a cached token the registry refuses is dropped and replaced once; logs hold no secrets', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const regs = newRegistries({ log });
    const creds = { username: 'orasd-user', password: 'orasd-pass' };
    const repo = uniqueRepo('refused');
    const a = makeArtifact();
    await pushArtifact(regs.repository(tproxy.host, repo, creds), a, 'v1');
    await regs.repository(tproxy.host, repo, creds).resolve('v1', { noCache: true });
    const fetchesBefore = regs.stats().tokenFetches;
    // The next request with a token is refused as if the token had been revoked.
    let refused = 0;
    tproxy.setRule((req) => {
      if (refused === 0 && String(req.headers.authorization ?? '').startsWith('Bearer ')) {
        refused++;
        return {
          kind: 'status',
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="${tokenReg.auth!.tokenServer!.url}/token",service="orasd-test-registry",scope="repository:${repo}:pull",error="invalid_token"` },
          body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
        };
      }
      return pass();
    });
    assert.equal((await regs.repository(tproxy.host, repo, creds).resolve('v1', { noCache: true })).digest, a.manifest.digest);
    assert.equal(refused, 1);
    assert.equal(regs.stats().tokenFetches, fetchesBefore + 1);
    tproxy.setRule(pass);

    const all = lines.join('\n');
    assert.ok(lines.some((l) => l.includes('"msg":"http"')), 'a debug line per request');
    assert.ok(!all.includes('orasd-pass'), 'no password in logs');
    assert.ok(!/Bearer [A-Za-z0-9_-]{10}/.test(all) && !/eyJ[A-Za-z0-9_-]{10}/.test(all), 'no token in logs');
    assert.ok(!all.includes(Buffer.from('orasd-user:orasd-pass').toString('base64')));
    await regs.close();
  });
});
