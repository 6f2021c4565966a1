import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isOrasdError, ErrorCodes } from '../../src/errors';
import { formatReference, isDigestTag, parseLayoutReference, parseReference, referrersTag } from '../../src/oci/reference';

const D = `sha256:${'a'.repeat(64)}`;

test('parses the forms oras writes', () => {
  assert.deepEqual(parseReference('localhost:5000/samples/artifact:readme'), { registry: 'localhost:5000', repository: 'samples/artifact', tags: ['readme'] });
  assert.deepEqual(parseReference(`127.0.0.1:5000/net-monitor@${D}`), { registry: '127.0.0.1:5000', repository: 'net-monitor', tags: [], digest: D });
  assert.deepEqual(parseReference('r.io/a/b:v1,v2,latest').tags, ['v1', 'v2', 'latest']);
  assert.deepEqual(parseReference(`r.io/a:v1@${D}`), { registry: 'r.io', repository: 'a', tags: ['v1'], digest: D });
  assert.deepEqual(parseReference('[::1]:5000/x'), { registry: '[::1]:5000', repository: 'x', tags: [] });
});

test('refuses malformed references with INVALID_REFERENCE naming the problem', () => {
  for (const [raw, why] of [
    ['', 'empty'],
    ['noslash', 'missing repository'],
    ['r.io/', 'missing repository'],
    ['r.io/UPPER', 'not a valid repository'],
    ['r.io/a:bad tag', 'whitespace'],
    ['r.io/a:-x', 'not a valid tag'],
    ['r.io/a@sha256:abc', 'sha256 needs 64'],
    ['r.io/a@md5:' + 'a'.repeat(32), 'expected sha256'],
    ['r.io/../etc', 'not a valid repository'],
    ['exa mple.com/a', 'whitespace'],
    ['host:99999/a', 'not a registry host'],
  ] as const) {
    assert.throws(
      () => parseReference(raw),
      (e: unknown) => isOrasdError(e, ErrorCodes.InvalidReference) && e.message.includes(why),
      `${raw} should fail with "${why}"`,
    );
  }
});

test('layout references: path, tag or digest', () => {
  assert.deepEqual(parseLayoutReference('./dir:v1'), { path: './dir', tags: ['v1'] });
  assert.deepEqual(parseLayoutReference(`/tmp/x/layout@${D}`), { path: '/tmp/x/layout', tags: [], digest: D });
  assert.deepEqual(parseLayoutReference('/tmp/a:b/layout'), { path: '/tmp/a:b/layout', tags: [] });
});

test('referrers fallback tags', () => {
  assert.equal(referrersTag(D), `sha256-${'a'.repeat(64)}`);
  assert.ok(isDigestTag(referrersTag(D)));
  assert.ok(!isDigestTag('v1'));
});

test('property: formatted references parse back to themselves', () => {
  const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}$/);
  const repo = fc.array(component, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
  const host = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}(?:\.[a-z]{2,5})?$/), fc.option(fc.integer({ min: 1, max: 65535 }))).map(([h, p]) => (p ? `${h}:${p}` : h));
  const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
  const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);
  fc.assert(
    fc.property(host, repo, fc.oneof(tag, digest), (h, r, sel) => {
      const raw = formatReference({ registry: h, repository: r }, sel);
      const parsed = parseReference(raw);
      assert.equal(parsed.registry, h);
      assert.equal(parsed.repository, r);
      assert.equal(parsed.digest ?? parsed.tags[0], sel);
    }),
    { numRuns: 500 },
  );
});

test('property: arbitrary input never crashes the parser, only INVALID_REFERENCE', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      try {
        const r = parseReference(s);
        assert.ok(r.registry.length > 0 && r.repository.length > 0);
      } catch (e) {
        assert.ok(isOrasdError(e, ErrorCodes.InvalidReference), `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 3000 },
  );
});
