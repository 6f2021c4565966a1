/**
 * Load: 64 raw connections (NDJSON and Content-Length framing) issue 10,000 mixed operations against
 * real registries, many in flight on each. Every response matches its request (resolve of tag N
 * gives digest N), none is lost, duplicated or crossed; RSS (sampled through `status`) stays
 * bounded; the status counters add up and match what the clients saw. Clients that vanish
 * mid-transfer get their work cancelled and their temporaries removed.
 * `npm run soak` (ORASD_SOAK=1) runs 100,000 operations.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { OrasdClient } from '../../clients/typescript/client';
import { ErrorCodes } from '../../protocol/errors';
import { connect } from '../support/daemon';
import { startFaultProxy, type FaultProxy } from '../registries/fault-proxy';
import { getSharedRegistries, type RunningRegistry } from '../registries/harness';
import { SOAK, TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { pool, startQuickDaemon, waitFor, type ReliabilityDaemon } from './support/daemon';
import { RpcConnection, type Response } from './support/rpc-conn';
import { files, temporaries } from './support/tree';

const CONNECTIONS = 64;
const OPERATIONS = SOAK ? 100_000 : 10_000;
const WINDOW = 4;
const ARTIFACTS = 32;
const RSS_LIMIT = 768 * 2 ** 20;

let daemon: ReliabilityDaemon;
let client: OrasdClient;
let dist: RunningRegistry;
let ws: string;
const run = randomBytes(3).toString('hex');
const repo = () => `${dist.host}/rel/load/${run}`;
interface Art {
  tag: string;
  digest: string;
  layer: string;
  size: number;
  content: string;
  referrer?: string;
}
const arts: Art[] = [];

before(async () => {
  dist = (await getSharedRegistries()).distribution;
  daemon = await startQuickDaemon();
  client = await daemon.client();
  ws = await mkdtemp(join(tmpdir(), 'orasd-rel-load-'));
  await pool(
    Array.from({ length: ARTIFACTS }, (_, i) => i),
    8,
    async (i) => {
      const dir = join(ws, `src-${i}`);
      await mkdir(dir);
      const content = `artifact ${i} of run ${run}\n`;
      await writeFile(join(dir, 'file.txt'), content);
      const r = await client.push({ reference: `${repo()}:t${i}`, cwd: dir, files: [{ path: 'file.txt' }] });
      arts[i] = { tag: `t${i}`, digest: r.digest, layer: r.layers[0]!.digest, size: r.layers[0]!.size, content };
    },
  );
  for (const i of [0, 1, 2, 3]) {
    arts[i]!.referrer = (await client.attach({ reference: `${repo()}@${arts[i]!.digest}`, artifactType: 'application/vnd.test.load', cwd: join(ws, `src-${i}`), files: [{ path: 'file.txt' }] })).digest;
  }
});

after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
  await rm(daemon.tmp, { recursive: true, force: true });
});

/** mulberry32, seeded: the same mix of operations every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Expect = (r: Response) => Promise<string | undefined> | string | undefined;
interface Op {
  kind: string;
  method: string;
  params: unknown;
  expect: Expect;
  counted: boolean;
  cancel?: boolean;
}

const ok = (r: Response, f: (v: any) => string | undefined): string | undefined => (r.error ? `error ${r.error.code} ${r.error.message}` : f(r.result));
const fails = (code: number) => (r: Response) => (r.error?.code === code ? undefined : `want error ${code}, got ${JSON.stringify(r.error ?? r.result).slice(0, 200)}`);

function pick(random: () => number, conn: number, k: number): Op {
  const i = Math.floor(random() * ARTIFACTS);
  const a = arts[i]!;
  const x = random();
  if (x < 0.3) return { kind: 'resolve', method: 'resolve', params: { reference: `${repo()}:${a.tag}` }, counted: true, expect: (r) => ok(r, (v) => (v.digest === a.digest ? undefined : `resolve ${a.tag} gave ${v.digest}, want ${a.digest}`)) };
  if (x < 0.4) return { kind: 'resolve-nocache', method: 'resolve', params: { reference: `${repo()}:${a.tag}`, noCache: true }, counted: true, expect: (r) => ok(r, (v) => (v.digest === a.digest ? undefined : `resolve ${a.tag} gave ${v.digest}`)) };
  if (x < 0.55)
    return {
      kind: 'manifest/fetch',
      method: 'manifest/fetch',
      params: { reference: `${repo()}:${a.tag}` },
      counted: true,
      expect: (r) => ok(r, (v) => (v.descriptor.digest === a.digest && JSON.parse(v.content).layers[0].digest === a.layer ? undefined : `manifest of ${a.tag} is not artifact ${i}`)),
    };
  if (x < 0.65) return { kind: 'blob/fetch', method: 'blob/fetch', params: { reference: `${repo()}@${a.layer}`, descriptor: true }, counted: true, expect: (r) => ok(r, (v) => (v.descriptor.digest === a.layer && v.descriptor.size === a.size ? undefined : `blob ${a.layer} said ${JSON.stringify(v.descriptor)}`)) };
  if (x < 0.7) {
    const want = a.referrer ? [a.referrer] : [];
    return { kind: 'discover', method: 'discover', params: { reference: `${repo()}@${a.digest}` }, counted: true, expect: (r) => ok(r, (v) => ((v.manifests ?? []).map((m: { digest: string }) => m.digest).join() === want.join() ? undefined : `discover of ${i} listed ${JSON.stringify(v.manifests)}`)) };
  }
  if (x < 0.72) return { kind: 'repo/tags', method: 'repo/tags', params: { reference: repo() }, counted: true, expect: (r) => ok(r, (v) => (arts.every((t) => v.tags.includes(t.tag)) ? undefined : 'tags list lacks a tag')) };
  if (x < 0.77) return { kind: 'missing', method: 'resolve', params: { reference: `${repo()}:missing-${conn}-${k}` }, counted: true, expect: fails(ErrorCodes.ManifestUnknown) };
  if (x < 0.8) return { kind: 'bad-reference', method: 'pull', params: { reference: `${dist.host}/Bad Ref:${k}` }, counted: true, expect: fails(ErrorCodes.InvalidReference) };
  if (x < 0.82) return { kind: 'bad-params', method: 'resolve', params: { reference: 42 }, counted: true, expect: fails(ErrorCodes.InvalidParams) };
  if (x < 0.86) {
    const t = `c${conn}-${k}`;
    return { kind: 'tag', method: 'tag', params: { reference: `${repo()}:${a.tag}`, tags: [t] }, counted: true, expect: (r) => ok(r, (v) => (v.digest === a.digest ? undefined : `tag ${t} went to ${v.digest}`)) };
  }
  if (x < 0.9) {
    const out = join(ws, 'out', `${conn}-${k}`);
    return {
      kind: 'pull',
      method: 'pull',
      params: { reference: `${repo()}:${a.tag}`, output: out },
      counted: true,
      expect: async (r) => ok(r, () => undefined) ?? ((await readFile(join(out, 'file.txt'), 'utf8')) === a.content ? undefined : `pulled ${a.tag} holds another artifact's file`),
    };
  }
  if (x < 0.92) {
    const out = join(ws, 'out', `cancel-${conn}-${k}`);
    return {
      kind: 'pull-cancelled',
      method: 'pull',
      params: { reference: `${repo()}:${a.tag}`, output: out },
      counted: true,
      cancel: true,
      expect: async (r) => {
        if (r.error && r.error.code !== ErrorCodes.RequestCancelled) return `cancelled pull: ${r.error.code} ${r.error.message}`;
        const left = await temporaries(out);
        return left.length ? `cancelled pull left ${left.join(', ')}` : undefined;
      },
    };
  }
  return { kind: 'status', method: 'status', params: {}, counted: false, expect: (r) => ok(r, (v) => (v.pid > 0 ? undefined : 'status without pid')) };
}

test(`${CONNECTIONS} connections, ${OPERATIONS} mixed operations: nothing lost, duplicated or crossed; counters add up`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const before = (await client.status()).requests;
  const conns = await Promise.all(Array.from({ length: CONNECTIONS }, async (_, i) => new RpcConnection(`c${i}`, await connect(daemon.socketPath), i % 4 === 3 ? 'lsp' : 'ndjson')));
  let peak = 0;
  const samples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rss = (await client.status()).memory.rss;
      samples.push(rss);
      peak = Math.max(peak, rss);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const seen = { sent: 0, counted: 0, succeeded: 0, failed: 0, cancelled: 0 };
  const byKind: Record<string, number> = {};
  const violations: string[] = [];
  let issued = 0;
  const started = Date.now();
  await Promise.all(
    conns.map(async (conn, ci) => {
      const random = rng(1000 + ci);
      const lanes = Array.from({ length: WINDOW }, async () => {
        for (let k = issued++; k < OPERATIONS; k = issued++) {
          const op = pick(random, ci, k);
          const { id, response } = conn.request(op.method, op.params);
          if (op.cancel) setImmediate(() => conn.cancel(id));
          seen.sent++;
          byKind[op.kind] = (byKind[op.kind] ?? 0) + 1;
          const r = await Promise.race([response, new Promise<'lost'>((res) => setTimeout(() => res('lost'), 120_000).unref())]);
          if (r === 'lost') {
            violations.push(`${id} (${op.kind}) was never answered`);
            continue;
          }
          if (op.counted) {
            seen.counted++;
            seen[r.error ? (r.error.code === ErrorCodes.RequestCancelled ? 'cancelled' : 'failed') : 'succeeded']++;
          }
          const problem = await op.expect(r);
          if (problem) violations.push(`${id} ${op.kind}: ${problem}`);
        }
      });
      await Promise.all(lanes);
    }),
  );
  const ms = Date.now() - started;
  sampling = false;
  await sampler;
  const anomalies = conns.flatMap((c) => c.anomalies);
  const lost = conns.flatMap((c) => c.unanswered());
  for (const c of conns) c.close();
  const after = (await client.status()).requests;
  const delta = {
    total: after.total - before.total,
    succeeded: after.succeeded - before.succeeded,
    failed: after.failed - before.failed,
    cancelled: after.cancelled - before.cancelled,
  };
  recordFigures('load', 'test/reliability/load.test.ts', {
    connections: CONNECTIONS,
    operations: seen.sent,
    counted: seen.counted,
    byKind,
    durationMs: ms,
    opsPerSecond: Math.round((seen.sent / ms) * 1000),
    peakRssMiB: Math.round(peak / 2 ** 20),
    firstRssMiB: Math.round((samples[0] ?? 0) / 2 ** 20),
    lastRssMiB: Math.round((samples.at(-1) ?? 0) / 2 ** 20),
    lost: lost.length + violations.filter((v) => v.includes('never answered')).length,
    duplicatedOrCrossed: anomalies.length,
    wrongAnswers: violations.length,
    daemonCounters: { before, after: { ...after, byMethod: undefined }, delta },
    clientSaw: seen,
  });
  assert.deepEqual(anomalies, [], 'duplicated or crossed answers');
  assert.deepEqual(lost, [], 'requests never answered');
  assert.deepEqual(violations.slice(0, 20), [], `${violations.length} wrong answers`);
  assert.equal(after.inFlight, 0);
  assert.equal(after.total, after.succeeded + after.failed + after.cancelled + after.inFlight, 'the counters add up');
  assert.deepEqual(delta, { total: seen.counted, succeeded: seen.succeeded, failed: seen.failed, cancelled: seen.cancelled }, 'the counters match what clients saw');
  assert.ok(peak < RSS_LIMIT, `peak RSS ${peak >> 20} MiB`);
});

test('clients that vanish mid-transfer: work cancelled, temporaries removed, counters add up', { timeout: TEST_TIMEOUT_MS }, async () => {
  const proxy: FaultProxy = await startFaultProxy(dist.url);
  try {
    const big = randomBytes(6 * 1024 * 1024);
    const src = join(ws, 'vanish');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'big.bin'), big);
    await mkdir(join(src, 'folder'));
    await writeFile(join(src, 'folder', 'f.txt'), 'f');
    const pushed = await client.push({ reference: `${repo()}-vanish:v1`, cwd: src, files: [{ path: 'big.bin' }, { path: 'folder' }] });
    const bigLayer = pushed.layers.find((l) => l.size === big.length)!.digest;
    // Downloads stall after 1 MiB and uploads are swallowed: every operation is surely mid-way.
    const stalls = [
      proxy.addRule({ method: 'GET', path: new RegExp(`/blobs/${bigLayer}$`), fault: { kind: 'stall-body', after: 1024 * 1024 } }),
      proxy.addRule({ method: 'PUT', path: /\/blobs\/uploads\//, when: (q) => Number(q.headers['content-length']) > 1e6, fault: { kind: 'stall-headers' } }),
    ];
    const before = (await client.status()).requests;
    const n = 8;
    const outs: string[] = [];
    const conns = await Promise.all(Array.from({ length: n }, async (_, i) => new RpcConnection(`v${i}`, await connect(daemon.socketPath), 'ndjson')));
    conns.forEach((c, i) => {
      const out = join(ws, 'vanished', String(i));
      outs.push(out);
      if (i % 2 === 0) c.request('pull', { reference: `${proxy.host}/rel/load/${run}-vanish:v1`, output: out });
      else c.request('push', { reference: `${proxy.host}/rel/load/${run}-vanish-${i}:v1`, cwd: src, files: [{ path: 'big.bin' }, { path: 'folder' }] });
    });
    await waitFor('every transfer to be under way', () => stalls[0]!.injected >= n / 2 && stalls[1]!.matched >= n / 2, 30_000);
    const packing = (await readdir(daemon.tmp)).filter((d) => d.startsWith('orasd-pack-')).length;
    assert.equal(packing, n / 2, 'each push has its scratch folder');
    for (const c of conns) c.close();
    await waitFor('the daemon to wind the work down', async () => (await client.status()).requests.inFlight === 0, 30_000);
    const after = (await client.status()).requests;
    for (const out of outs) assert.deepEqual(await files(out), [], `left in ${out}`);
    assert.deepEqual(await readdir(daemon.tmp), [], 'the pushes left their scratch folders');
    assert.equal(after.cancelled - before.cancelled, n, 'each vanished request counts as cancelled');
    assert.equal(after.total, after.succeeded + after.failed + after.cancelled + after.inFlight);
    recordFigures('load-disconnect', 'test/reliability/load.test.ts', { vanishedClients: n, cancelled: after.cancelled - before.cancelled, temporariesLeft: 0, scratchFoldersAtKill: packing });
  } finally {
    await proxy.stop();
  }
});
