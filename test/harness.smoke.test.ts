// Proves the real-registry harness works: real oras CLI against real
// distribution and refreg, with basic auth, token auth and TLS.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ensureTools,
  getSharedRegistries,
  httpRequest,
  oras,
  startDistribution,
  startRefRegistry,
  type RunningRegistry,
  type Tools,
} from './registries/harness';

let tools: Tools;
let work: string;

before(async () => {
  tools = await ensureTools();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-smoke-'));
  fs.writeFileSync(path.join(work, 'hello.txt'), `hello ${randomBytes(8).toString('hex')}\n`);
  fs.writeFileSync(path.join(work, 'sig.txt'), 'not really a signature\n');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const uniqueRepo = (what: string) => `smoke/${what}-${randomBytes(4).toString('hex')}`;

function ok(res: { code: number; stdout: string; stderr: string }, what: string): string {
  assert.equal(res.code, 0, `${what} failed:\n${res.stderr}\n${res.stdout}`);
  return res.stdout;
}

function transportFlags(reg: RunningRegistry): string[] {
  return reg.tls ? ['--ca-file', reg.tls.caFile] : ['--plain-http'];
}

async function pushPullRoundTrip(reg: RunningRegistry, extra: string[] = []): Promise<string> {
  const ref = `${reg.host}/${uniqueRepo(reg.kind)}:v1`;
  ok(await oras(tools, ['push', ...transportFlags(reg), ...extra, ref, 'hello.txt'], { cwd: work }), 'oras push');
  const out = fs.mkdtempSync(path.join(work, 'pull-'));
  ok(await oras(tools, ['pull', ...transportFlags(reg), ...extra, '-o', out, ref]), 'oras pull');
  assert.deepEqual(fs.readFileSync(path.join(out, 'hello.txt')), fs.readFileSync(path.join(work, 'hello.txt')));
  return ref;
}

async function resolveDigest(reg: RunningRegistry, ref: string): Promise<string> {
  const digest = ok(await oras(tools, ['resolve', ...transportFlags(reg), ref]), 'oras resolve').trim();
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  return digest;
}

async function attach(reg: RunningRegistry, ref: string, artifactType: string): Promise<string> {
  const out = ok(
    await oras(tools, ['attach', ...transportFlags(reg), '--format', 'json', '--artifact-type', artifactType, ref, 'sig.txt'], { cwd: work }),
    'oras attach',
  );
  return (JSON.parse(out) as { digest: string }).digest;
}

interface Index {
  manifests: { digest: string; artifactType?: string }[];
}

describe('shared registries', () => {
  test('push then pull restores identical bytes on distribution and refreg', async () => {
    const { distribution, refreg } = await getSharedRegistries();
    await pushPullRoundTrip(distribution);
    await pushPullRoundTrip(refreg);
  });

  test('refreg lists an oras attach through the referrers API', async () => {
    const { refreg } = await getSharedRegistries();
    const ref = await pushPullRoundTrip(refreg);
    const subject = await resolveDigest(refreg, ref);
    const referrer = await attach(refreg, ref, 'application/vnd.orasd.test.sig');
    const repo = ref.slice(refreg.host.length + 1, ref.lastIndexOf(':'));
    const res = await fetch(`${refreg.url}/v2/${repo}/referrers/${subject}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    const index = (await res.json()) as Index;
    assert.deepEqual(index.manifests.map((m) => m.digest), [referrer]);
  });

  test('distribution has no referrers API and oras falls back to the sha256-<hex> tag', async () => {
    const { distribution } = await getSharedRegistries();
    const ref = await pushPullRoundTrip(distribution);
    const subject = await resolveDigest(distribution, ref);
    await attach(distribution, ref, 'application/vnd.orasd.test.sig');
    const repo = ref.slice(distribution.host.length + 1, ref.lastIndexOf(':'));
    const referrers = await fetch(`${distribution.url}/v2/${repo}/referrers/${subject}`);
    assert.equal(referrers.status, 404);
    const tags = (await (await fetch(`${distribution.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    assert.ok(tags.tags.includes(subject.replace(':', '-')), `tags: ${tags.tags.join(', ')}`);
  });
});

describe('refreg with compliantReferrers', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startRefRegistry({ compliantReferrers: true });
  });
  after(() => reg.stop());

  test('sends OCI-Subject, reports artifactType, filters by it, and oras writes no fallback tag', async () => {
    const ref = await pushPullRoundTrip(reg);
    const subject = await resolveDigest(reg, ref);
    const sig = await attach(reg, ref, 'application/vnd.orasd.test.sig');
    const sbom = await attach(reg, ref, 'application/vnd.orasd.test.sbom');
    const repo = ref.slice(reg.host.length + 1, ref.lastIndexOf(':'));

    const all = (await (await fetch(`${reg.url}/v2/${repo}/referrers/${subject}`)).json()) as Index;
    assert.deepEqual(
      new Map(all.manifests.map((m) => [m.digest, m.artifactType])),
      new Map([[sig, 'application/vnd.orasd.test.sig'], [sbom, 'application/vnd.orasd.test.sbom']]),
    );
    const filtered = await fetch(`${reg.url}/v2/${repo}/referrers/${subject}?artifactType=application/vnd.orasd.test.sbom`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(((await filtered.json()) as Index).manifests.map((m) => m.digest), [sbom]);

    const tags = (await (await fetch(`${reg.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['v1']);
  });
});

describe('distribution with basic auth', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startDistribution({ auth: 'basic' });
  });
  after(() => reg.stop());

  test('oras login succeeds with the right password and fails with a wrong one', async () => {
    const { username, password } = reg.auth!.users[0];
    ok(await oras(tools, ['login', '--plain-http', '-u', username, '--password-stdin', reg.host], { input: password + '\n' }), 'oras login');
    const bad = await oras(tools, ['login', '--plain-http', '-u', username, '--password-stdin', reg.host], { input: 'wrong\n' });
    assert.notEqual(bad.code, 0);
  });

  test('anonymous access is refused with a Basic challenge', async () => {
    const res = await fetch(`${reg.url}/v2/`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
  });
});

describe('distribution with token auth', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startDistribution({ auth: 'token' });
  });
  after(() => reg.stop());

  test('oras push and pull with credentials fetch tokens from the token server', async () => {
    const ts = reg.auth!.tokenServer!;
    const countBefore = await ts.tokenRequests();
    const { username, password } = reg.auth!.users[0];
    await pushPullRoundTrip(reg, ['-u', username, '-p', password]);
    const stats = await ts.stats();
    assert.ok(stats.tokenRequests > countBefore, `token requests ${countBefore} -> ${stats.tokenRequests}`);
    assert.equal(stats.failedRequests, 0);
    assert.ok(stats.recent.some((r) => r.user === username && r.granted.some((g) => g.endsWith(':pull,push'))));
  });

  test('a wrong password and anonymous pull are refused', async () => {
    const ref = `${reg.host}/${uniqueRepo('denied')}:v1`;
    const bad = await oras(tools, ['push', '--plain-http', '-u', reg.auth!.users[0].username, '-p', 'wrong', ref, 'hello.txt'], { cwd: work });
    assert.notEqual(bad.code, 0);
    const anon = await oras(tools, ['pull', '--plain-http', '-o', work, ref]);
    assert.notEqual(anon.code, 0);
    assert.match(anon.stderr, /401|unauthorized|denied/i);
  });
});

describe('TLS', () => {
  let dist: RunningRegistry;
  let ref: RunningRegistry;
  before(async () => {
    [dist, ref] = await Promise.all([startDistribution({ tls: true, auth: 'token' }), startRefRegistry({ tls: true })]);
  });
  after(() => Promise.all([dist.stop(), ref.stop()]));

  test('oras push --ca-file works against distribution (with a TLS token server) and refreg', async () => {
    assert.match(dist.auth!.tokenServer!.url, /^https:/);
    const { username, password } = dist.auth!.users[0];
    await pushPullRoundTrip(dist, ['-u', username, '-p', password]);
    await pushPullRoundTrip(ref);
  });

  test('plain HTTP to the TLS port fails, and so does TLS without the CA', async () => {
    for (const reg of [dist, ref]) {
      const plain = await httpRequest(`http://${reg.host}/v2/`).then((r) => r.status, () => 'error');
      assert.ok(plain === 400 || plain === 'error', `plain HTTP got ${plain}`);
      const untrusted = await oras(tools, ['repo', 'ls', reg.host]);
      assert.notEqual(untrusted.code, 0);
      assert.match(untrusted.stderr, /certificate/i);
    }
  });
});
