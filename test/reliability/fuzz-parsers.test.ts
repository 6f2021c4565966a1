/**
 * Fuzzing the parsers that read what other parties write: the manifest parser (src/oci/manifest.ts)
 * on arbitrary bytes, arbitrary JSON and mutations of valid manifests, and the reference parser
 * on the question that matters for the wire: can an accepted reference steer a request elsewhere?
 * (test/unit/reference.test.ts and frame-decoder.test.ts cover round trips and framing.)
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { checkRegistryHost } from '../../src/api/engine';
import { ErrorCodes, isOrasdError } from '../../src/errors';
import { parseDigest } from '../../src/oci/digest';
import { encodeImageIndex, encodeImageManifest, parseManifest, successors } from '../../src/oci/manifest';
import { MAX_MANIFEST_BYTES, MediaTypes } from '../../src/oci/mediatypes';
import { parseReference } from '../../src/oci/reference';
import { SOAK, TEST_TIMEOUT_MS, recordFigures } from './support/figures';

const runs = (n: number) => (SOAK ? n * 20 : n);
const figures = { manifestInputs: 0, manifestsAccepted: 0, referenceInputs: 0, referencesAccepted: 0 };
after(() => recordFigures('fuzz-parsers', 'test/reliability/fuzz-parsers.test.ts', figures));

const MEDIA = [undefined, 'application/json', 'application/octet-stream', MediaTypes.ImageManifest, MediaTypes.ImageIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList, MediaTypes.ArtifactManifest, 'text/html'];
const hex = fc.stringMatching(/^[a-f0-9]{64}$/);
const digest = hex.map((h) => `sha256:${h}`);
const descriptor = fc.record(
  { mediaType: fc.constantFrom('application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.empty.v1+json', MediaTypes.ImageManifest), digest, size: fc.nat(), annotations: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }) },
  { requiredKeys: ['mediaType', 'digest', 'size'] },
);

/** What parseManifest promises about anything it accepts. */
function checkAccepted(bytes: Uint8Array, claimed: string | undefined): void {
  let parsed;
  try {
    parsed = parseManifest(bytes, claimed);
  } catch (e) {
    assert.ok(isOrasdError(e, ErrorCodes.InvalidManifest) || isOrasdError(e, ErrorCodes.ManifestTooLarge), `threw ${String(e)}`);
    return;
  }
  figures.manifestsAccepted++;
  assert.ok(bytes.length <= MAX_MANIFEST_BYTES);
  const own = (parsed.json as { mediaType?: unknown }).mediaType;
  if (typeof own === 'string' && claimed && claimed !== 'application/json' && claimed !== 'application/octet-stream') assert.equal(own, claimed);
  for (const d of [...successors(parsed), ...(parsed.json.subject ? [parsed.json.subject] : [])]) {
    assert.equal(typeof d.mediaType, 'string');
    assert.ok(d.mediaType.length > 0);
    parseDigest(d.digest);
    assert.ok(Number.isSafeInteger(d.size) && d.size >= 0, `size ${d.size}`);
    for (const v of Object.values(d.annotations ?? {})) assert.equal(typeof v, 'string');
  }
  for (const v of Object.values(parsed.json.annotations ?? {})) assert.equal(typeof v, 'string');
}

test('fuzz: arbitrary bytes only ever parse or give INVALID_MANIFEST', { timeout: TEST_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...MEDIA), (b, mt) => {
      figures.manifestInputs++;
      checkAccepted(b, mt);
    }),
    { numRuns: runs(3000) },
  );
});

test('fuzz: arbitrary JSON values, with any claimed media type', { timeout: TEST_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...MEDIA), (v, mt) => {
      figures.manifestInputs++;
      checkAccepted(Buffer.from(JSON.stringify(v) ?? 'null'), mt);
    }),
    { numRuns: runs(3000) },
  );
});

test('fuzz: valid manifests and indexes with one field replaced by anything', { timeout: TEST_TIMEOUT_MS }, () => {
  const manifest = fc.record({ config: descriptor, layers: fc.array(descriptor, { maxLength: 3 }), subject: fc.option(descriptor, { nil: undefined }) }).map((m) =>
    JSON.parse(encodeImageManifest({ schemaVersion: 2, mediaType: MediaTypes.ImageManifest, ...m, ...(m.subject ? { subject: m.subject } : {}) }).toString()),
  );
  const index = fc.array(descriptor, { maxLength: 3 }).map((manifests) => JSON.parse(encodeImageIndex({ schemaVersion: 2, mediaType: MediaTypes.ImageIndex, manifests }).toString()));
  const path = fc.array(fc.oneof(fc.constantFrom('schemaVersion', 'mediaType', 'config', 'layers', 'manifests', 'subject', 'digest', 'size', 'annotations', '__proto__', 'artifactType'), fc.nat({ max: 3 })), { minLength: 1, maxLength: 3 });
  fc.assert(
    fc.property(fc.oneof(manifest, index), path, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...MEDIA), (doc, where, value, mt) => {
      // Walk to the parent of the last key, creating nothing: mutate only what exists.
      let at: unknown = doc;
      for (const k of where.slice(0, -1)) at = at && typeof at === 'object' && Object.hasOwn(at, k) ? (at as Record<string, unknown>)[k] : undefined;
      if (at && typeof at === 'object') Object.defineProperty(at, where.at(-1)!, { value, enumerable: true, configurable: true, writable: true });
      figures.manifestInputs++;
      checkAccepted(Buffer.from(JSON.stringify(doc)), mt);
    }),
    { numRuns: runs(3000) },
  );
});

test('valid manifests and indexes parse back to their own successors', { timeout: TEST_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(descriptor, fc.array(descriptor, { maxLength: 4 }), fc.boolean(), (config, layers, asIndex) => {
      const bytes = asIndex
        ? encodeImageIndex({ schemaVersion: 2, mediaType: MediaTypes.ImageIndex, manifests: layers })
        : encodeImageManifest({ schemaVersion: 2, mediaType: MediaTypes.ImageManifest, config, layers });
      const p = parseManifest(bytes, asIndex ? MediaTypes.ImageIndex : MediaTypes.ImageManifest);
      figures.manifestInputs++;
      assert.deepEqual(successors(p).map((d) => d.digest), (asIndex ? layers : [config, ...layers]).map((d) => d.digest));
    }),
    { numRuns: runs(500) },
  );
});

test('a manifest one byte over 4 MiB is MANIFEST_TOO_LARGE before it is parsed', { timeout: TEST_TIMEOUT_MS }, () => {
  const b = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
  assert.throws(() => parseManifest(b, MediaTypes.ImageManifest), (e: unknown) => isOrasdError(e, ErrorCodes.ManifestTooLarge));
});

test('property: an accepted reference cannot steer a request: no traversal, no query, no injection', { timeout: TEST_TIMEOUT_MS }, () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('..', '.', '%2e%2e', '%2F', '?', '#', '@', ':', '/', '\\', '\r\n', ' ', '\u0000', 'ａ', 'sha256:', 'localhost:5000', '[::1]:5000', 'a', 'b-c', '__', 'v1'),
  );
  // Shaped like a reference, so that many parse, with hostile pieces spliced into every part.
  const word = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9]{1,6}$/) }, { weight: 1, arbitrary: piece });
  const shaped = fc
    .tuple(fc.oneof(word, fc.constantFrom('localhost:5000', '127.0.0.1:1', '[::1]:5000', 'r.io')), fc.array(fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join('')), { minLength: 1, maxLength: 3 }), fc.option(fc.oneof(word.map((w) => `:${w}`), hex.map((h) => `@sha256:${h}`), piece.map((p) => `@${p}`))))
    .map(([h, repo, sel]) => `${h}/${repo.join('/')}${sel ?? ''}`);
  fc.assert(
    fc.property(fc.oneof(shaped, fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join(''))), (raw) => {
      figures.referenceInputs++;
      let r;
      try {
        r = parseReference(raw);
      } catch (e) {
        assert.ok(isOrasdError(e, ErrorCodes.InvalidReference) || isOrasdError(e, ErrorCodes.DigestInvalid), String(e));
        return;
      }
      // The grammar lets through numeric hosts a URL cannot hold ('08'): the API refuses those.
      let authority: string;
      try {
        authority = new URL(`http://${r.registry}`).host;
      } catch {
        assert.throws(() => checkRegistryHost(r.registry, raw), (e: unknown) => isOrasdError(e, ErrorCodes.InvalidReference), raw);
        return;
      }
      figures.referencesAccepted++;
      // The host becomes a URL authority, the repository and selector a path: both must be inert.
      const u = new URL(`http://${r.registry}/v2/${r.repository}/manifests/${r.digest ?? r.tags[0] ?? 'latest'}`);
      // (Numeric hosts normalise, '0' becoming 0.0.0.0, as they do for Go's resolver: the point is that
      // nothing after the registry part can change the authority.)
      assert.equal(u.host, authority, raw);
      assert.ok(!/[/?#@\\\s]/.test(r.registry), raw);
      assert.equal(u.search, '', raw);
      assert.equal(u.hash, '', raw);
      assert.ok(u.pathname.startsWith(`/v2/${r.repository}/`), raw);
      assert.ok(!r.repository.split('/').some((s) => s === '..' || s === '.' || s === ''), raw);
      assert.ok(!/[\s%\\?#@]/.test(r.repository), raw);
      for (const t of r.tags) assert.match(t, /^[\w][\w.-]{0,127}$/);
      if (r.digest) parseDigest(r.digest);
    }),
    { numRuns: runs(5000) },
  );
});
