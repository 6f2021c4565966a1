// The registry target's small parsers and policies, without a network.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChallenges, pickChallenge } from '../src/targets/registry/challenge';
import { credentialId } from '../src/targets/registry/credentials';
import { registryError } from '../src/targets/registry/errors';
import { isLoopbackHost } from '../src/targets/registry/options';
import { nextLink } from '../src/targets/registry/paging';
import { backoffMs, delayFor, retryAfterMs } from '../src/targets/registry/retry';
import { cleanScopes } from '../src/targets/registry/scopes';
import { withDigest } from '../src/targets/registry/blobs';
import { ErrorCodes, OrasdError } from '../src/errors';
import { Http, type HttpResponse } from '../src/targets/registry/http';
import { Auth } from '../src/targets/registry/auth';
import { TokenCache } from '../src/targets/registry/token-cache';
import { DEFAULT_RETRY } from '../src/targets/registry/retry';
import { silentLogger } from '../src/log';

describe('WWW-Authenticate', () => {
  test('bearer with quoted params holding commas, and several challenges', () => {
    const c = parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push repository:c:pull", Basic realm="x, y"');
    assert.deepEqual(c, [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push repository:c:pull' } },
      { scheme: 'basic', params: { realm: 'x, y' } },
    ]);
    assert.equal(pickChallenge(c)?.scheme, 'bearer');
  });

  test('several headers, escaped quotes, bare values, odd spacing and case', () => {
    const c = parseChallenges(['Basic realm="say \\"hi\\""', 'BEARER   realm = https://a.example/t , error=insufficient_scope']);
    assert.deepEqual(c, [
      { scheme: 'basic', params: { realm: 'say "hi"' } },
      { scheme: 'bearer', params: { realm: 'https://a.example/t', error: 'insufficient_scope' } },
    ]);
    assert.deepEqual(parseChallenges(undefined), []);
    assert.deepEqual(parseChallenges(''), []);
    assert.equal(pickChallenge(parseChallenges('Negotiate, Basic realm=r'))?.scheme, 'basic');
  });
});

describe('token realms', () => {
  test('credentials are never sent to a plain-HTTP realm on another host', async () => {
    const log = silentLogger();
    const http = new Http({ log, userAgent: 't', connections: 1, timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 } });
    const auth = new Auth(http, new TokenCache(), log, DEFAULT_RETRY);
    const credential = async () => ({ username: 'u', password: 'p' });
    // A remote registry, and one on loopback: the realm decides, not where the registry is.
    for (const target of [
      { registry: 'registry.example', origin: 'https://registry.example', tls: {}, loopback: false, credential },
      { registry: '127.0.0.1:5000', origin: 'http://127.0.0.1:5000', tls: {}, loopback: true, credential },
      { registry: '127.0.0.1:5001', origin: 'http://127.0.0.1:5001', tls: {}, loopback: true, credential: async () => ({ identityToken: 'refresh' }) },
    ]) {
      await assert.rejects(
        auth.answer(target, 'Bearer realm="http://auth.other.example/token",service="s"', ['repository:a:pull'], {}),
        (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.Unauthorized && e.message.includes('http://auth.other.example/token'),
      );
    }
    assert.equal(http.requests, 0);
    await http.close();
  });
});

describe('scopes', () => {
  test('actions merge per resource and the set sorts, so equal needs share a token', () => {
    assert.deepEqual(cleanScopes(['repository:a:push,pull', 'repository:a:pull', 'repository:b:pull']), ['repository:a:pull,push', 'repository:b:pull']);
    assert.deepEqual(cleanScopes(['repository:a:pull repository:b:delete']), ['repository:a:pull', 'repository:b:delete']);
    assert.deepEqual(cleanScopes(['registry:catalog:*', 'repository:a:*', 'repository:a:pull']), ['registry:catalog:*', 'repository:a:*']);
    assert.deepEqual(cleanScopes([]), []);
  });
});

describe('retry policy', () => {
  test('Retry-After as seconds or HTTP date; backoff grows and stays capped', () => {
    assert.equal(retryAfterMs('3'), 3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2025 00:00:05 GMT', now), 0);
    assert.equal(retryAfterMs('soon'), undefined);
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 50; i++) {
      const d0 = backoffMs(p, 0);
      const d5 = backoffMs(p, 5);
      assert.ok(d0 >= 50 && d0 <= 100, String(d0));
      assert.ok(d5 >= 500 && d5 <= 1000, String(d5));
    }
    assert.equal(delayFor(p, 0, '2'), 2000);
    assert.equal(delayFor(p, 0, '3600'), undefined, 'too long: give up instead');
  });
});

describe('pagination and upload URLs', () => {
  const res = (link: string | undefined, url = 'http://r.example:5000/v2/a/tags/list?n=2') =>
    ({ headers: link ? { link } : {}, url: new URL(url) }) as unknown as HttpResponse;

  test('Link rel=next, relative or absolute, same origin only', () => {
    assert.equal(nextLink(res('</v2/a/tags/list?n=2&last=b>; rel="next"'), 'r')?.toString(), 'http://r.example:5000/v2/a/tags/list?n=2&last=b');
    assert.equal(nextLink(res('<http://r.example:5000/v2/a/tags/list?last=c>; rel=next'), 'r')?.toString(), 'http://r.example:5000/v2/a/tags/list?last=c');
    assert.equal(nextLink(res('</x>; rel="prev"'), 'r'), undefined);
    assert.equal(nextLink(res(undefined), 'r'), undefined);
    assert.throws(() => nextLink(res('<https://evil.example/v2/a/tags/list>; rel="next"'), 'r'), (e: unknown) => e instanceof OrasdError && e.code === ErrorCodes.RegistryError);
  });

  test('digest is appended to an upload URL, its own query kept byte for byte', () => {
    const u = withDigest(new URL('http://r/v2/a/blobs/uploads/abc?_state=x%2By%3D%3D&b=1'), 'sha256:00');
    assert.equal(u.toString(), 'http://r/v2/a/blobs/uploads/abc?_state=x%2By%3D%3D&b=1&digest=sha256%3A00');
    assert.equal(withDigest(new URL('http://r/up/1'), 'sha256:00').search, '?digest=sha256%3A00');
  });
});

describe('errors and small facts', () => {
  test('registry answers map to our codes with context', () => {
    const ctx = { registry: 'r.example', reference: 'r.example/a:v1', subject: 'manifest' as const };
    const e404 = registryError(404, '', ctx);
    assert.equal(e404.code, ErrorCodes.ManifestUnknown);
    assert.deepEqual([e404.data.registry, e404.data.reference, e404.data.status], ['r.example', 'r.example/a:v1', 404]);
    assert.equal(registryError(404, '', { ...ctx, subject: 'blob' }).code, ErrorCodes.BlobUnknown);
    assert.equal(registryError(404, '', { ...ctx, subject: 'repository' }).code, ErrorCodes.NameUnknown);
    assert.equal(registryError(404, '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}', ctx).code, ErrorCodes.NameUnknown);
    const e401 = registryError(401, '', ctx);
    assert.equal(e401.code, ErrorCodes.Unauthorized);
    assert.equal(e401.data.hint, 'run `oras login r.example` or pass username/password');
    assert.equal(registryError(403, '', ctx).code, ErrorCodes.Denied);
    assert.equal(registryError(429, '', ctx).code, ErrorCodes.TooManyRequests);
    assert.equal(registryError(400, '{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown","detail":{"digest":"sha256:1"}}]}', ctx).code, ErrorCodes.ManifestBlobUnknown);
    assert.equal(registryError(405, '', ctx).code, ErrorCodes.Unsupported);
    assert.equal(registryError(502, '<html>bad gateway</html>', ctx).code, ErrorCodes.RegistryError);
  });

  test('loopback hosts, credential ids', () => {
    for (const h of ['localhost:5000', '127.0.0.1', '127.4.5.6:80', '[::1]:5000']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['registry.example', '10.0.0.1:5000', 'localhost.example', '[::2]:1']) assert.ok(!isLoopbackHost(h), h);
    assert.equal(credentialId(undefined), 'anonymous');
    const id = credentialId({ username: 'u', password: 'p' });
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(id, credentialId({ username: 'u', password: 'q' }));
  });
});
