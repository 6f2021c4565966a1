// The caches forget "a thing for everyone" (a tag, a digest in a repository) through their key
// indexes instead of scanning every entry: the indexes must always agree with what is cached.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KnownSet } from '../../src/cache/known-set';
import { ManifestCache } from '../../src/cache/manifest-cache';
import { TagCache } from '../../src/cache/tag-cache';

interface D {
  digest: string;
}
const tagCache = (max = 10_000) => new TagCache<D>(60_000, (d) => d.digest, max);

test('tags: a name is forgotten for every caller, a digest only in its repository', () => {
  const c = tagCache();
  c.set('r/a:v1#alice', { digest: 'd1' });
  c.set('r/a:v1#bob', { digest: 'd1' });
  c.set('r/a:v2#alice', { digest: 'd1' });
  c.set('r/a:v3#alice', { digest: 'd2' });
  c.set('r/b:v1#alice', { digest: 'd1' });
  assert.deepEqual(c.keysWithValue('r/a:', 'd1').sort(), ['r/a:v1#alice', 'r/a:v1#bob', 'r/a:v2#alice']);
  c.deleteName('r/a:v1');
  assert.equal(c.stale('r/a:v1#alice'), undefined);
  assert.equal(c.stale('r/a:v1#bob'), undefined);
  assert.deepEqual(c.stale('r/a:v2#alice'), { digest: 'd1' });
  c.deleteWithValue('r/a:', 'd1');
  assert.equal(c.stale('r/a:v2#alice'), undefined);
  assert.deepEqual(c.stale('r/a:v3#alice'), { digest: 'd2' });
  assert.deepEqual(c.stale('r/b:v1#alice'), { digest: 'd1' }, 'another repository keeps its tag');
});

test('tags: a moved tag leaves its old digest; evicted entries leave the indexes', () => {
  const c = tagCache(2);
  c.set('r/a:v1#x', { digest: 'd1' });
  c.set('r/a:v1#x', { digest: 'd2' });
  assert.deepEqual(c.keysWithValue('r/a:', 'd1'), []);
  assert.deepEqual(c.keysWithValue('r/a:', 'd2'), ['r/a:v1#x']);
  c.set('r/a:v2#x', { digest: 'd2' });
  c.set('r/a:v3#x', { digest: 'd2' }); // evicts v1
  assert.deepEqual(c.keysWithValue('r/a:', 'd2').sort(), ['r/a:v2#x', 'r/a:v3#x']);
});

test('property: the tag indexes agree with a scan of what is cached, whatever the operations', () => {
  const key = fc.record({ repo: fc.constantFrom('r/a', 'r/b'), tag: fc.constantFrom('v1', 'v2', 'v3', 'v4'), who: fc.constantFrom('x', 'y') });
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), k: key, digest: fc.constantFrom('d1', 'd2', 'd3') }),
    fc.record({ kind: fc.constant('name' as const), k: key }),
    fc.record({ kind: fc.constant('value' as const), k: key, digest: fc.constantFrom('d1', 'd2', 'd3') }),
    fc.record({ kind: fc.constant('delete' as const), k: key }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
      const c = tagCache(max);
      const seen = new Set<string>();
      for (const o of ops) {
        const k = `${o.k.repo}:${o.k.tag}#${o.k.who}`;
        if (o.kind === 'set') {
          c.set(k, { digest: o.digest });
          seen.add(k);
        } else if (o.kind === 'name') c.deleteName(`${o.k.repo}:${o.k.tag}`);
        else if (o.kind === 'value') c.deleteWithValue(`${o.k.repo}:`, o.digest);
        else c.delete(k);
      }
      for (const repo of ['r/a', 'r/b']) {
        for (const digest of ['d1', 'd2', 'd3']) {
          const scanned = [...seen].filter((k) => k.startsWith(`${repo}:`) && c.stale(k)?.digest === digest).sort();
          assert.deepEqual(c.keysWithValue(`${repo}:`, digest).sort(), scanned);
        }
      }
    }),
  );
});

test('known blobs and manifests: a group goes for every caller, nothing else does', () => {
  const k = new KnownSet(100, 60_000);
  k.add('r/a@d1#x');
  k.add('r/a@d1#y');
  k.add('r/a@d2#x');
  k.deleteGroup('r/a@d1');
  assert.deepEqual([k.has('r/a@d1#x'), k.has('r/a@d1#y'), k.has('r/a@d2#x')], [false, false, true]);

  const m = new ManifestCache(1024 * 1024);
  const v = { mediaType: 'application/json', bytes: Buffer.from('{}') };
  m.set('r/a@d1#x', v);
  m.set('r/a@d1#y', v);
  m.set('r/b@d1#x', v);
  m.deleteGroup('r/a@d1');
  assert.deepEqual([m.peek('r/a@d1#x'), m.peek('r/a@d1#y'), m.peek('r/b@d1#x')], [undefined, undefined, v]);
});
