/**
 * Every transfer operation through the daemon, with faults injected between it and real
 * registries (a fault proxy in front of distribution and ggcr). Each run either succeeds by
 * retrying or fails with a clear error within its timeout, and leaves nothing broken: no partial
 * or temporary file, no manifest whose content is missing, no corrupted byte accepted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { OrasdClient, OrasdRequestError } from '../../clients/typescript/client';
import { ErrorCodes } from '../../protocol/errors';
import { startFaultProxy, type Fault, type FaultKind, type FaultProxy, type FaultRule } from '../registries/fault-proxy';
import { getSharedRegistries, startDistribution, type RunningRegistry } from '../registries/harness';
import { SOAK, recordFigures } from './support/figures';
import { danglingTags, missingContent, referrerDigests } from './support/registry-check';
import { RETRY_ATTEMPTS, REGISTRY_TIMEOUT_S, outcome, pool, startQuickDaemon, type ReliabilityDaemon } from './support/daemon';
import { files, temporaries } from './support/tree';

type FaultName =
  | 'status-500' | 'status-502' | 'status-503' | 'retry-after' | 'reset' | 'reset-request'
  | 'reset-body' | 'truncate' | 'stall-headers' | 'stall-body' | 'corrupt' | 'corrupt-request';
type SiteName = 'upload-post' | 'upload-put' | 'manifest-put' | 'manifest-head' | 'manifest-get' | 'manifest-get-tag' | 'index-get' | 'blob-get' | 'folder-get' | 'blob-head' | 'referrers-get' | 'tags-get';
type OpName = 'push' | 'pull' | 'attach' | 'discover-api' | 'discover-tag' | 'copy' | 'blob-fetch' | 'repo-tags';

const BIG = 1536 * 1024;
/** Fail-by budget for one operation under a persistent fault: attempts × timeout, resumes, backoff. */
const BUDGET_MS = 60_000;

function fault(name: FaultName, bigBody: boolean): Fault {
  const cut = bigBody ? 256 * 1024 : 40;
  switch (name) {
    case 'status-500':
      return { kind: 'status', status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}' };
    case 'status-502':
      return { kind: 'status', status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' };
    case 'status-503':
      return { kind: 'status', status: 503, body: '' };
    case 'retry-after':
      return { kind: 'retry-after', seconds: 1 };
    case 'reset':
      return { kind: 'reset' };
    case 'reset-request':
      return { kind: 'reset-request', after: 300 * 1024 };
    case 'reset-body':
      return { kind: 'reset-body', after: cut };
    case 'truncate':
      return { kind: 'truncate', after: cut };
    case 'stall-headers':
      return { kind: 'stall-headers' };
    case 'stall-body':
      return { kind: 'stall-body', after: cut };
    case 'corrupt':
      return { kind: 'corrupt' };
    case 'corrupt-request':
      return { kind: 'corrupt-request', offset: bigBody ? 700 * 1024 : 60 };
  }
}

/** The error codes that count as "a clear error" when a fault persists. */
const CLEAR: Record<FaultKind, number[]> = {
  status: [ErrorCodes.RegistryError],
  'retry-after': [ErrorCodes.TooManyRequests],
  reset: [ErrorCodes.RegistryUnreachable],
  'reset-request': [ErrorCodes.RegistryUnreachable],
  'reset-body': [ErrorCodes.RegistryUnreachable],
  truncate: [ErrorCodes.RegistryUnreachable],
  'stall-headers': [ErrorCodes.Timeout],
  'stall-body': [ErrorCodes.Timeout],
  corrupt: [ErrorCodes.DigestMismatch],
  'corrupt-request': [ErrorCodes.DigestInvalid, ErrorCodes.DigestMismatch, ErrorCodes.ManifestInvalid],
  rewrite: [],
};

/** Which requests of each operation get which faults. */
const MATRIX: Record<OpName, Array<[SiteName, FaultName[]]>> = {
  push: [
    ['upload-post', ['status-500', 'status-503', 'retry-after', 'reset', 'stall-headers']],
    ['upload-put', ['status-502', 'status-503', 'reset', 'reset-request', 'stall-headers', 'corrupt-request']],
    ['manifest-put', ['status-500', 'status-503', 'retry-after', 'reset', 'stall-headers', 'corrupt-request']],
  ],
  pull: [
    // pull reads the manifest by tag in one GET (no HEAD first).
    ['manifest-get-tag', ['status-500', 'status-503', 'retry-after', 'reset', 'stall-headers', 'reset-body', 'truncate', 'stall-body', 'corrupt']],
    ['blob-get', ['status-500', 'status-502', 'status-503', 'retry-after', 'reset', 'reset-body', 'truncate', 'stall-headers', 'stall-body', 'corrupt']],
    // The folder layer goes through gunzip and tar: a small body, cut or flipped early.
    ['folder-get', ['reset-body', 'truncate', 'stall-body', 'corrupt']],
  ],
  attach: [
    ['manifest-head', ['status-503', 'reset']],
    ['upload-put', ['status-503', 'reset-request', 'corrupt-request']],
    ['manifest-put', ['status-502', 'reset', 'stall-headers']],
    ['index-get', ['status-503', 'reset-body', 'corrupt']],
  ],
  'discover-api': [['referrers-get', ['status-500', 'status-503', 'retry-after', 'reset', 'reset-body', 'truncate', 'stall-headers', 'stall-body', 'corrupt']]],
  'discover-tag': [['index-get', ['status-503', 'reset', 'truncate', 'stall-body', 'corrupt']]],
  copy: [
    ['blob-get', ['status-503', 'reset-body', 'truncate', 'stall-body', 'corrupt']],
    ['upload-put', ['status-502', 'reset-request', 'corrupt-request']],
    ['manifest-put', ['status-500', 'reset']],
  ],
  'blob-fetch': [
    ['blob-head', ['status-503', 'reset', 'stall-headers']],
    ['blob-get', ['status-500', 'status-502', 'status-503', 'retry-after', 'reset', 'reset-body', 'truncate', 'stall-headers', 'stall-body', 'corrupt']],
  ],
  'repo-tags': [['tags-get', ['status-503', 'reset', 'reset-body', 'truncate', 'stall-body']]],
};

/**
 * Cases that fail because of bugs in code this suite does not own (reported, not fixed here):
 * they run as `todo`, so they show up in every run without failing it, and turn green once fixed.
 */
const KNOWN_BUGS: Record<string, string> = {};

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

let daemon: ReliabilityDaemon;
let clients: OrasdClient[];
let dist: RunningRegistry;
let refreg: RunningRegistry;
let dist2: RunningRegistry;
let pDist: FaultProxy;
let pRef: FaultProxy;
let pDist2: FaultProxy;
let ws: string;
let big: Buffer;
let bigDigest: string;
let sbom: Buffer;

const WANT = ['big.bin', 'dir/one.txt', 'dir/two.txt', 'small.txt'];

before(async () => {
  const shared = await getSharedRegistries();
  dist = shared.distribution;
  refreg = shared.refreg;
  [daemon, dist2] = await Promise.all([startQuickDaemon(), startDistribution()]);
  [pDist, pRef, pDist2] = await Promise.all([startFaultProxy(dist.url), startFaultProxy(refreg.url), startFaultProxy(dist2.url)]);
  clients = await Promise.all([0, 1, 2, 3].map(() => daemon.client()));
  ws = await mkdtemp(join(tmpdir(), 'orasd-rel-faults-'));
  await mkdir(join(ws, 'dir'));
  big = randomBytes(BIG);
  sbom = randomBytes(1200 * 1024);
  bigDigest = `sha256:${(await import('node:crypto')).createHash('sha256').update(big).digest('hex')}`;
  await Promise.all([
    writeFile(join(ws, 'small.txt'), 'a small file\n'),
    writeFile(join(ws, 'big.bin'), big),
    writeFile(join(ws, 'sbom.bin'), sbom),
    writeFile(join(ws, 'dir', 'one.txt'), 'one\n'),
    writeFile(join(ws, 'dir', 'two.txt'), 'two\n'),
  ]);
});

after(async () => {
  await Promise.all([pDist?.stop(), pRef?.stop(), pDist2?.stop()]);
  await dist2?.stop();
  await daemon?.stop();
  await rm(ws, { recursive: true, force: true });
  await rm(daemon?.tmp ?? '', { recursive: true, force: true });
});

interface Prepared {
  run(c: OrasdClient): Promise<unknown>;
  /** Broken promises left behind, whatever the outcome. */
  check(result: unknown, error: OrasdRequestError | undefined): Promise<string[]>;
  rule(site: SiteName): { proxy: FaultProxy; method: string; path: RegExp; when?: FaultRule['when']; bigBody: boolean };
}

const FILES = [{ path: 'small.txt' }, { path: 'big.bin' }, { path: 'dir' }];

async function prepare(op: OpName, id: string, c: OrasdClient): Promise<Prepared> {
  const repo = `rel/faults/${id}`;
  const reg = op === 'discover-api' ? refreg : dist;
  const proxy = op === 'discover-api' ? pRef : pDist;
  const upstream = { url: reg.url };
  let folderDigest = '';
  const sites = (p: FaultProxy, r: string, subject?: string) => (s: SiteName) => {
    const base = `^/v2/${esc(r)}/`;
    switch (s) {
      case 'upload-post':
        return { proxy: p, method: 'POST', path: new RegExp(`${base}blobs/uploads/$`), bigBody: false };
      case 'upload-put':
        return { proxy: p, method: 'PUT', path: new RegExp(`${base}blobs/uploads/.`), when: (q: { headers: Record<string, unknown> }) => Number(q.headers['content-length']) > 1_000_000, bigBody: true };
      case 'manifest-put':
        return { proxy: p, method: 'PUT', path: new RegExp(`${base}manifests/`), bigBody: false };
      case 'manifest-head':
        return { proxy: p, method: 'HEAD', path: new RegExp(`${base}manifests/`), bigBody: false };
      case 'manifest-get':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}manifests/sha256:`), bigBody: false };
      case 'manifest-get-tag':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}manifests/(?!sha256)[^/]+$`), bigBody: false };
      case 'index-get':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}manifests/${esc(subject?.replace(':', '-') ?? 'sha256-')}`), bigBody: false };
      case 'blob-get':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}blobs/${esc(bigDigest)}$`), bigBody: true };
      case 'folder-get':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}blobs/${esc(folderDigest)}$`), bigBody: false };
      case 'blob-head':
        return { proxy: p, method: 'HEAD', path: new RegExp(`${base}blobs/${esc(bigDigest)}$`), bigBody: false };
      case 'referrers-get':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}referrers/`), bigBody: false };
      case 'tags-get':
        return { proxy: p, method: 'GET', path: new RegExp(`${base}tags/list$`), bigBody: false };
    }
  };
  const fixture = async () => {
    const r = await c.push({ reference: `${reg.host}/${repo}:v1`, cwd: ws, files: FILES });
    folderDigest = r.layers.find((l) => l.annotations?.['org.opencontainers.image.title'] === 'dir')!.digest;
    return r.digest;
  };

  switch (op) {
    case 'push':
      return {
        run: (cl) => cl.push({ reference: `${proxy.host}/${repo}:v1`, cwd: ws, files: FILES }),
        check: async (result) => {
          const broken = Object.entries(await danglingTags(upstream, repo)).map(([t, m]) => `tag ${t} lacks ${m.join(', ')}`);
          if (result) {
            const missing = await missingContent(upstream, repo, 'v1');
            if (missing.length) broken.push(`pushed v1 lacks ${missing.join(', ')}`);
          }
          return broken;
        },
        rule: sites(proxy, repo),
      };
    case 'pull':
    case 'blob-fetch': {
      await fixture();
      const out = join(ws, 'out', id);
      await mkdir(out, { recursive: true });
      return {
        run: (cl) =>
          op === 'pull'
            ? cl.pull({ reference: `${proxy.host}/${repo}:v1`, output: out })
            : cl.call('blob/fetch', { reference: `${proxy.host}/${repo}@${bigDigest}`, output: join(out, 'big.bin') }),
        check: async (result) => {
          const broken = (await temporaries(out)).map((t) => `temporary left: ${t}`);
          const got = await files(out);
          const want = op === 'pull' ? WANT : ['big.bin'];
          if (!result && got.length) broken.push(`failed, yet wrote ${got.join(', ')}`);
          if (result) {
            if (got.join() !== want.join()) broken.push(`wrote ${got.join(', ')}, want ${want.join(', ')}`);
            else if (!(await readFile(join(out, 'big.bin'))).equals(big)) broken.push('big.bin differs from what was pushed');
          }
          await rm(out, { recursive: true, force: true });
          return broken;
        },
        rule: sites(proxy, repo),
      };
    }
    case 'attach': {
      const subject = await fixture();
      return {
        run: (cl) => cl.attach({ reference: `${proxy.host}/${repo}@${subject}`, artifactType: 'application/vnd.test.sbom', cwd: ws, files: [{ path: 'sbom.bin' }] }),
        check: async (result) => {
          const broken = Object.entries(await danglingTags(upstream, repo)).map(([t, m]) => `tag ${t} lacks ${m.join(', ')}`);
          const refs = await referrerDigests(upstream, repo, subject, false);
          for (const r of refs) {
            const missing = await missingContent(upstream, repo, r);
            if (missing.length) broken.push(`referrer ${r} lacks ${missing.join(', ')}`);
          }
          const pushed = (result as { digest?: string } | undefined)?.digest;
          if (pushed && !refs.includes(pushed)) broken.push(`attached ${pushed} is not listed as a referrer`);
          return broken;
        },
        rule: sites(proxy, repo, subject),
      };
    }
    case 'discover-api':
    case 'discover-tag': {
      const subject = await fixture();
      const want: string[] = [];
      for (const t of ['a', 'b']) {
        want.push((await c.attach({ reference: `${reg.host}/${repo}@${subject}`, artifactType: `application/vnd.test.${t}`, cwd: ws, files: [{ path: 'small.txt' }] })).digest);
      }
      return {
        run: (cl) => cl.discover({ reference: `${proxy.host}/${repo}@${subject}` }),
        check: async (result) => {
          const listed = (r: unknown) => ((r as { manifests: Array<{ digest: string }> }).manifests ?? []).map((m) => m.digest).sort().join();
          const broken: string[] = [];
          want.sort();
          if (result && listed(result) !== want.join()) broken.push(`discover listed ${listed(result)}, want ${want.join()}`);
          // Whatever happened, the daemon must not have learnt something false about the registry.
          const again = await outcome(c.discover({ reference: `${proxy.host}/${repo}@${subject}` }));
          if (!again.value || listed(again.value) !== want.join()) broken.push(`after the fault, discover gives ${again.error?.message ?? listed(again.value)}`);
          return broken;
        },
        rule: sites(proxy, repo, subject),
      };
    }
    case 'repo-tags': {
      await fixture();
      await c.tag({ reference: `${reg.host}/${repo}:v1`, tags: ['v2', 'v3'] });
      return {
        run: (cl) => cl.call('repo/tags', { reference: `${proxy.host}/${repo}` }),
        check: async (result) => {
          const t = (result as { tags?: string[] } | undefined)?.tags;
          return !t || t.join() === 'v1,v2,v3' ? [] : [`listed ${t.join()}`];
        },
        rule: sites(proxy, repo),
      };
    }
    case 'copy': {
      await fixture();
      const dst = `rel/faults/${id}-copy`;
      const dstUp = { url: dist2.url };
      const srcSites = sites(pDist, repo);
      const dstSites = sites(pDist2, dst);
      return {
        run: (cl) => cl.copy({ source: `${pDist.host}/${repo}:v1`, destination: `${pDist2.host}/${dst}:v1` }),
        check: async (result) => {
          const broken = Object.entries(await danglingTags(dstUp, dst)).map(([t, m]) => `tag ${t} lacks ${m.join(', ')}`);
          if (result && (await missingContent(dstUp, dst, 'v1')).length) broken.push('copied v1 is incomplete');
          return broken;
        },
        rule: (s) => (s === 'blob-get' ? srcSites(s) : dstSites(s)),
      };
    }
  }
}

interface CaseResult {
  name: string;
  kind: FaultKind;
  mode: 'once' | 'always';
  injected: number;
  outcome: 'retried' | 'failed-clearly';
  ms: number;
  error?: { code: number; message: string };
  violations: string[];
}

const results: CaseResult[] = [];

async function runCase(op: OpName, siteName: SiteName, faultName: FaultName, mode: 'once' | 'always', c: OrasdClient): Promise<CaseResult> {
  const id = `${op}-${siteName}-${faultName}-${mode}-${randomBytes(3).toString('hex')}`;
  const prep = await prepare(op, id, c);
  const s = prep.rule(siteName);
  const f = fault(faultName, s.bigBody);
  const state = s.proxy.addRule({ method: s.method, path: s.path, ...(s.when ? { when: s.when } : {}), ...(mode === 'once' ? { nth: 1 } : {}), fault: f });
  const started = Date.now();
  const { value, error, hung } = await outcome(prep.run(c), BUDGET_MS * 2);
  const ms = Date.now() - started;
  s.proxy.removeRule(state);
  const violations = hung ? [`no answer within ${(BUDGET_MS * 2) / 1000} s`] : await prep.check(value, error);
  return {
    name: `${op} / ${siteName} / ${faultName} / ${mode}`,
    kind: f.kind,
    mode,
    injected: state.injected,
    outcome: error ? 'failed-clearly' : 'retried',
    ms,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    violations,
  };
}

/** Listings are not content-addressed: a corrupted one can only be found unreadable. */
const UNADDRESSED: ReadonlySet<SiteName> = new Set(['referrers-get', 'tags-get']);

function judge(r: CaseResult, site: SiteName): void {
  assert.ok(r.injected >= 1, `${r.name}: the fault was never injected, so the case proves nothing`);
  assert.deepEqual(r.violations, [], `${r.name}: ${r.violations.join('; ')}`);
  if (r.error) {
    const clear = r.kind === 'corrupt' && UNADDRESSED.has(site) ? [ErrorCodes.RegistryError] : CLEAR[r.kind];
    assert.ok(clear.includes(r.error.code), `${r.name}: failed with ${r.error.code} "${r.error.message}", not one of ${clear.join(', ')}`);
    assert.ok(r.ms < BUDGET_MS, `${r.name}: took ${r.ms} ms to fail`);
  }
  // A passing fault must be ridden out; only a corrupted byte may end a run (the digest check caught it).
  if (r.mode === 'once' && r.kind !== 'corrupt' && r.kind !== 'corrupt-request') {
    assert.equal(r.error, undefined, `${r.name}: a single ${r.kind} was not retried: ${r.error?.code} ${r.error?.message}`);
  }
}

describe('each operation under each fault, once and persistent', () => {
  const cases: Array<[OpName, SiteName, FaultName, 'once' | 'always']> = [];
  for (const [op, sites] of Object.entries(MATRIX) as Array<[OpName, Array<[SiteName, FaultName[]]>]>) {
    for (const [site, faults] of sites) for (const f of faults) for (const mode of ['once', 'always'] as const) cases.push([op, site, f, mode]);
  }
  // All cases run concurrently (bounded): each one's rules only match its own repositories.
  // The slow ones (persistent stalls wait out every timeout) start first, so they overlap the rest.
  const slow = (c: (typeof cases)[number]) => (c[3] === 'always' ? 2 : 0) + (c[2].startsWith('stall') ? 1 : 0);
  const order = cases.map((_, i) => i).sort((a, b) => slow(cases[b]!) - slow(cases[a]!));
  let all: Promise<CaseResult[]> | undefined;
  const runAll = () =>
    (all ??= pool(order, 12, (i) => runCase(...cases[i]!, clients[i % clients.length]!)).then((rs) => {
      const byCase: CaseResult[] = [];
      order.forEach((i, k) => (byCase[i] = rs[k]!));
      return byCase;
    }));
  for (const [i, [op, site, f, mode]] of cases.entries()) {
    const name = `${op} / ${site} / ${f} / ${mode}`;
    const bug = KNOWN_BUGS[name] ?? KNOWN_BUGS[`${op} / ${site} / ${f}`];
    test(name, { ...(bug ? { todo: bug } : {}) }, async () => {
      const r = (await runAll())[i]!;
      results.push(r);
      judge(r, site);
    });
  }
});

describe('a storm of random faults', () => {
  test('mixed operations under faults on a fraction of all requests', async () => {
    const rounds = SOAK ? 200 : 24;
    const kinds: FaultName[] = ['status-500', 'status-502', 'status-503', 'reset', 'reset-body', 'truncate', 'stall-body', 'corrupt', 'reset-request'];
    const ops: OpName[] = ['push', 'pull', 'attach', 'copy', 'blob-fetch', 'discover-tag'];
    const storm: CaseResult[] = [];
    const counts = { ops: 0, succeeded: 0, failedClearly: 0 };
    await pool(Array.from({ length: rounds }, (_, i) => i), 6, async (i) => {
      const op = ops[i % ops.length]!;
      const c = clients[i % clients.length]!;
      const id = `storm-${i}-${randomBytes(3).toString('hex')}`;
      const prep = await prepare(op, id, c);
      // Faults on ~20% of this run's requests, kinds drawn in turn; seeded, so runs repeat.
      const scope = new RegExp(`^/v2/rel/faults/${esc(id)}`);
      const states = kinds.map((k) => {
        const p = op === 'copy' ? [pDist, pDist2] : [pDist];
        return p.map((proxy) => ({ proxy, st: proxy.addRule({ path: scope, probability: 0.2 / kinds.length, fault: fault(k, true) }) }));
      }).flat();
      const started = Date.now();
      const { value, error, hung } = await outcome(prep.run(c), BUDGET_MS * 2);
      const ms = Date.now() - started;
      for (const { proxy, st } of states) proxy.removeRule(st);
      const violations = hung ? [`no answer within ${(BUDGET_MS * 2) / 1000} s`] : await prep.check(value, error);
      counts.ops++;
      if (error) counts.failedClearly++;
      else counts.succeeded++;
      const injected = states.reduce((n, s) => n + s.st.injected, 0);
      storm.push({ name: `storm ${op} #${i}`, kind: 'status', mode: 'always', injected, outcome: error ? 'failed-clearly' : 'retried', ms, ...(error ? { error: { code: error.code, message: error.message } } : {}), violations });
    });
    results.push(...storm);
    const allowed = new Set(Object.values(CLEAR).flat());
    for (const r of storm) {
      assert.deepEqual(r.violations, [], `${r.name}: ${r.violations.join('; ')}`);
      if (r.error) {
        assert.ok(allowed.has(r.error.code), `${r.name}: unexpected ${r.error.code} ${r.error.message}`);
        assert.ok(r.ms < BUDGET_MS);
      }
    }
    recordStorm(counts, storm.reduce((n, r) => n + r.injected, 0));
  });
});

let stormFigures: Record<string, number> = {};
function recordStorm(counts: Record<string, number>, injected: number): void {
  stormFigures = { ...counts, injected };
}

test('the daemon left nothing in its temporary folder', async () => {
  const leftovers = await files(daemon.tmp);
  const byKind: Record<string, { cases: number; injected: number; retried: number; failedClearly: number; violations: number }> = {};
  for (const r of results.filter((x) => !x.name.startsWith('storm'))) {
    const k = (byKind[r.kind] ??= { cases: 0, injected: 0, retried: 0, failedClearly: 0, violations: 0 });
    k.cases++;
    k.injected += r.injected;
    k[r.outcome === 'retried' ? 'retried' : 'failedClearly']++;
    k.violations += r.violations.length;
  }
  recordFigures('faults', 'test/reliability/faults.test.ts', {
    registryTimeoutSeconds: REGISTRY_TIMEOUT_S,
    retryAttempts: RETRY_ATTEMPTS,
    byKind,
    storm: stormFigures,
    daemonTempLeftovers: leftovers.length,
    slowest: [...results].sort((a, b) => b.ms - a.ms).slice(0, 8).map((r) => `${r.name}: ${r.ms} ms`),
    slowestFailureMs: Math.max(0, ...results.filter((r) => r.error).map((r) => r.ms)),
  });
  assert.deepEqual(leftovers, [], 'the daemon left files in its temporary folder');
});
