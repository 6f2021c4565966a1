/**
 * The daemon's own resources under a hostile or careless client: memory across connections
 * (100 connections each sending a 16 MB line that never ends, or an LSP body that never arrives),
 * the number of connections (more than the open-file limit allows), connections that never
 * complete a message, and the working directory (the folder a daemon was started from deleted).
 * In every case the other clients keep being served and the refused ones are told LIMIT_EXCEEDED.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { OrasdClient } from '../../clients/typescript/client';
import { ErrorCodes } from '../../protocol/errors';
import { encodeFrame, FrameDecoder } from '../../src/server/frame-decoder';
import { connect, RawClient, startDaemon, type TestDaemon } from '../support/daemon';
import { ensureTools } from '../registries/tools';
import { TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { failure, pool, startQuickDaemon, waitFor } from './support/daemon';

const figures: Record<string, unknown> = {};
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  recordFigures('resource-bounds', 'test/reliability/resource-bounds.test.ts', figures);
});

async function track(d: TestDaemon): Promise<TestDaemon> {
  cleanups.push(() => d.stop());
  return d;
}

/** A /proc/<pid>/status figure in bytes (VmRSS now, VmHWM the peak since start). */
async function procMemory(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}
const mib = (n: number) => Math.round(n / 2 ** 20);

interface Outcome {
  /** The daemon's answers, as parsed frames. */
  answers: Array<Record<string, any>>;
  closed: boolean;
  written: number;
}

/** Reads what the daemon answers on a raw socket, in either framing. */
function listen(s: Socket, framing?: 'lsp' | 'ndjson'): { outcome: Outcome; done: Promise<void>; first: Promise<Record<string, any> | undefined> } {
  const outcome: Outcome = { answers: [], closed: false, written: 0 };
  const decoder = new FrameDecoder({ maxMessageBytes: 1 << 20, ...(framing ? { framing } : {}) });
  let gotFirst: (m: Record<string, any> | undefined) => void = () => undefined;
  const first = new Promise<Record<string, any> | undefined>((r) => (gotFirst = r));
  s.on('data', (d: Buffer) => {
    for (const ev of decoder.push(d)) {
      if (ev.kind !== 'message') continue;
      outcome.answers.push(ev.value as Record<string, any>);
      gotFirst(ev.value as Record<string, any>);
    }
  });
  s.on('error', () => undefined);
  const done = new Promise<void>((r) =>
    s.once('close', () => {
      outcome.closed = true;
      gotFirst(undefined);
      r();
    }),
  );
  return { outcome, done, first };
}

/** Sends `prefix` then `size` bytes of 'a' in 1 MiB writes, stopping when the daemon closes the socket. */
async function sendEndless(s: Socket, prefix: string, size: number, outcome: Outcome): Promise<void> {
  const chunk = Buffer.alloc(1 << 20, 0x61);
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.write(prefix);
  while (outcome.written < size && !s.destroyed && !outcome.closed) {
    const n = Math.min(chunk.length, size - outcome.written);
    outcome.written += n;
    if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await Promise.race([new Promise((r) => s.once('drain', r)), closed]);
  }
}

describe('memory across connections', () => {
  test('100 connections each sending a 16 MB line without a newline, then 100 LSP bodies of 16 MB that never end: RSS bounded, others served', { timeout: TEST_TIMEOUT_MS }, async () => {
    const d = await track(await startQuickDaemon());
    const pid = d.proc.pid!;
    const client: OrasdClient = await d.client();
    const rssBefore = await procMemory(pid, 'VmRSS');
    const size = 16_000_000;
    const results: Record<string, { refused: number; byBudget: number; statusAnswered: number }> = {};
    for (const framing of ['ndjson', 'lsp'] as const) {
      const prefix = framing === 'ndjson' ? '{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":"' : `Content-Length: ${size + 100}\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":"`;
      const conns = await Promise.all(Array.from({ length: 100 }, () => connect(d.socketPath)));
      const listened = conns.map((s) => listen(s, framing));
      const flood = Promise.all(conns.map((s, i) => sendEndless(s, prefix, size, listened[i]!.outcome)));
      // Another client, meanwhile: it must be answered while the flood goes on.
      let statusAnswered = 0;
      for (let i = 0; i < 5; i++) {
        assert.ok((await client.status()).pid === pid);
        statusAnswered++;
      }
      await flood;
      const outcomes = listened.map((l) => l.outcome);
      const refused = outcomes.filter((o) => o.answers.some((a) => a.error?.code === ErrorCodes.LimitExceeded));
      const byBudget = refused.filter((o) => o.answers.some((a) => /budget/.test(a.error?.message) && a.error?.data?.code === 'LIMIT_EXCEEDED' && /--max-buffered-mib/.test(a.error?.data?.hint)));
      results[framing] = { refused: refused.length, byBudget: byBudget.length, statusAnswered };
      for (const s of conns) s.destroy();
      // At most 64 MiB / 16 MB = 4 whole lines fit the budget: nearly all the rest must have been refused.
      assert.ok(byBudget.length >= 50, `${framing}: only ${byBudget.length} of 100 connections were refused for the budget`);
      assert.equal((await client.status()).pid, pid);
    }
    const peak = await procMemory(pid, 'VmHWM');
    Object.assign(figures, {
      floodConnections: 200,
      floodLineBytes: size,
      rssBeforeMiB: mib(rssBefore),
      rssPeakMiB: mib(peak),
      refusedNdjson: results.ndjson!.refused,
      refusedLsp: results.lsp!.refused,
      statusDuringFlood: results.ndjson!.statusAnswered + results.lsp!.statusAnswered,
    });
    // 64 MiB budget + 64 KiB per connection + socket buffers; without the budget this was gigabytes.
    assert.ok(peak - rssBefore < 256 * 2 ** 20, `peak RSS ${mib(peak)} MiB, ${mib(peak - rssBefore)} MiB over the ${mib(rssBefore)} MiB before`);
  });
});

describe('number of connections', () => {
  test('with an open-file limit of 128, the 33rd connection on gets LIMIT_EXCEEDED; the others keep working; after some leave, new ones are accepted', { timeout: TEST_TIMEOUT_MS }, async () => {
    // (128 − 64 reserved) / 2 = 32 connections by default.
    const d = await track(await startDaemon({ nofile: 128 }));
    const limit = 32;
    const first = new RawClient(await connect(d.socketPath));
    const connected = async () => ((await first.request(`c${Date.now()}`, 'status', {})).result as { clients: { connected: number } }).clients.connected;
    // The harness's probe connection has left once only this one is counted.
    await waitFor('the start-up probe to be gone', async () => (await connected()) === 1);
    const admitted = [first];
    for (let i = 1; i < limit; i++) admitted.push(new RawClient(await connect(d.socketPath)));
    for (const [i, c] of admitted.entries()) assert.ok(((await c.request(i, 'status', {})).result as { pid: number }).pid > 0, `connection ${i} is served`);

    // An LSP client (the TypeScript one) is refused in its own framing, with the code it can act on.
    const e = await failure(d.client());
    assert.equal(e.code, ErrorCodes.LimitExceeded);

    // A loaded machine makes both of the following happen now and then; here they happen every time.
    // The refused daemon waits REFUSAL_WAIT_MS (2 s) for a first message to begin: a client that
    // is slow to write past that gets no answer to its id, one slow to finish must still get it.
    const refusalWait = 2_500;
    const initialize = { jsonrpc: '2.0', id: 'slow', method: 'initialize', params: { clientName: 'slow', env: { HOME: '/home/x', PATH: '/usr/bin'.repeat(500) } } };
    const body = Buffer.from(JSON.stringify(initialize));
    // 1. An LSP client writes its headers, then (much later) its body.
    const halves = await connect(d.socketPath);
    const halvesHeard = listen(halves, 'lsp');
    halves.write(`Content-Length: ${body.length}\r\n\r\n`);
    await sleep(refusalWait);
    halves.write(body);
    const halvesAnswer = await halvesHeard.first;
    assert.equal(halvesAnswer?.id, 'slow', `a first message sent in two parts is answered to its id: ${JSON.stringify(halvesAnswer)}`);
    assert.equal(halvesAnswer?.error?.code, ErrorCodes.LimitExceeded);
    await halvesHeard.done;
    // 2. The whole first message arrives while the daemon is not running (stopped past the wait).
    const stalled = await connect(d.socketPath);
    const stalledHeard = listen(stalled, 'lsp');
    // Once an admitted connection is answered the daemon has accepted (and refused) `stalled`.
    await first.request('sync', 'status', {});
    process.kill(d.proc.pid!, 'SIGSTOP');
    try {
      stalled.write(encodeFrame('lsp', initialize));
      await sleep(refusalWait);
    } finally {
      process.kill(d.proc.pid!, 'SIGCONT');
    }
    const stalledAnswer = await stalledHeard.first;
    assert.equal(stalledAnswer?.id, 'slow', `a first message waiting when the daemon wakes is answered to its id: ${JSON.stringify(stalledAnswer)}`);
    assert.equal(stalledAnswer?.error?.code, ErrorCodes.LimitExceeded);
    await stalledHeard.done;

    // 100 more than the limit allows, 8 at a time: each is told, to the id of its request.
    const extra = await pool(
      Array.from({ length: 100 }, (_, i) => i),
      8,
      async (i) => {
        const s = await connect(d.socketPath);
        const l = listen(s);
        s.write(`${JSON.stringify({ jsonrpc: '2.0', id: `x${i}`, method: 'status', params: {} })}\n`);
        // A served connection would stay open: judge by the first answer, then see it closed.
        if ((await l.first)?.error?.code === ErrorCodes.LimitExceeded) await l.done;
        else s.destroy();
        return l.outcome;
      },
    );
    const refusals = extra.map((o) => o.answers[0]?.error);
    const wrong = refusals.findIndex((e) => !(e?.code === ErrorCodes.LimitExceeded && e.data?.code === 'LIMIT_EXCEEDED' && /32 connections/.test(e.message) && /--max-connections/.test(e.data.hint)));
    assert.equal(wrong, -1, `refused connection ${wrong}: ${JSON.stringify(extra[wrong])}`);
    assert.ok(extra.every((o, i) => o.answers[0]?.id === `x${i}`), 'each refusal answers the request it refuses');
    // And 200 at once, more than the open-file limit: the daemon neither breaks nor stops serving.
    const burst = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const s = await connect(d.socketPath).catch(() => undefined);
        if (!s) return 'not connected';
        const l = listen(s);
        s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} })}\n`);
        const first = await l.first;
        if (first?.result) s.destroy();
        await l.done;
        return first?.error?.code === ErrorCodes.LimitExceeded ? 'refused' : first?.result ? 'served' : 'closed';
      }),
    );
    figures.burstRefusedWithAnswer = burst.filter((b) => b === 'refused').length;
    assert.equal(burst.filter((b) => b === 'served').length, 0, 'none of the burst was served past the limit');

    for (const [i, c] of admitted.entries()) assert.ok(((await c.request(1000 + i, 'status', {})).result as { pid: number }).pid > 0, `connection ${i} still served`);
    admitted.pop()!.close();
    admitted.pop()!.close();
    await waitFor('two clients to have left', async () => (await connected()) === limit - 2);
    const newcomer = await d.client();
    assert.ok((await newcomer.status()).pid > 0, 'a new client is accepted once others left');
    admitted.push(new RawClient(await connect(d.socketPath)));
    assert.ok(((await admitted.at(-1)!.request('n', 'status', {})).result as { pid: number }).pid > 0);
    const over = listen(await connect(d.socketPath));
    assert.equal((await over.first)?.error?.code, ErrorCodes.LimitExceeded, 'full again');
    await over.done;
    figures.connectionLimitFromNofile128 = limit;
    figures.connectionsRefused = extra.length + 2;
    figures.burst = burst.length;
    for (const c of admitted) c.close();
  });

  test('connections that never complete a message are closed after the frame timeout; one that did stays', { timeout: TEST_TIMEOUT_MS }, async () => {
    const d = await track(await startDaemon({ args: ['--frame-timeout', '1'] }));
    const served = new RawClient(await connect(d.socketPath));
    assert.ok(((await served.request(1, 'status', {})).result as { pid: number }).pid > 0);
    const silent = listen(await connect(d.socketPath));
    const partialSocket = await connect(d.socketPath);
    const partial = listen(partialSocket);
    partialSocket.write('{"jsonrpc":"2.0","id":1,"method":"sta');
    const lspSocket = await connect(d.socketPath);
    const lsp = listen(lspSocket);
    lspSocket.write(encodeFrame('lsp', { jsonrpc: '2.0', id: 1, method: 'status', params: {} }));
    lspSocket.write('Content-Length: 100\r\n\r\n{"jsonrpc"');
    await Promise.all([silent.done, partial.done, lsp.done]);
    assert.match(silent.outcome.answers[0]?.error?.message, /no complete message after 1 s/);
    assert.match(partial.outcome.answers[0]?.error?.message, /no complete message after 1 s/);
    assert.equal(lsp.outcome.answers[0]?.id, 1, 'the complete LSP message was answered');
    assert.match(lsp.outcome.answers[1]?.error?.message, /an unfinished message after 1 s/);
    for (const o of [silent.outcome, partial.outcome]) assert.equal(o.answers[0]?.error?.code, ErrorCodes.LimitExceeded);
    assert.ok(((await served.request(2, 'status', {})).result as { pid: number }).pid > 0, 'a connection that completed its messages is not timed out');
    figures.frameTimeoutClosed = 3;
    served.close();
  });
});

describe('working directory', () => {
  test('a daemon started from a folder that is then deleted works in its state folder; requests without cwd still work', { timeout: TEST_TIMEOUT_MS }, async () => {
    const tools = await ensureTools();
    const ws = await mkdtemp(join(tmpdir(), 'orasd-rel-cwd-'));
    cleanups.push(() => rm(ws, { recursive: true, force: true }));
    const startedFrom = join(ws, 'started-from');
    await mkdir(startedFrom);
    const d = await track(await startDaemon({ cwd: startedFrom }));
    await rm(startedFrom, { recursive: true });
    const client = await d.client();
    assert.ok((await client.status()).pid > 0);
    const file = join(ws, 'hello.txt');
    await writeFile(file, 'hello after the folder is gone\n');
    const layout = join(ws, 'layout');
    const pushed = await client.push({ reference: `${layout}:v1`, ociLayout: true, files: [{ path: file }], disablePathValidation: true });
    const layer = pushed.layers[0]!.digest;
    const fetched = join(ws, 'fetched.txt');
    await client.call('blob/fetch', { reference: `${layout}@${layer}`, ociLayout: true, output: fetched });
    assert.equal(await readFile(fetched, 'utf8'), 'hello after the folder is gone\n');
    // The layout as the real oras sees it.
    const run = promisify(execFile);
    const env = { ...process.env, HOME: ws };
    assert.equal((await run(tools.oras, ['resolve', '--oci-layout', `${layout}:v1`], { env, cwd: ws })).stdout.trim(), pushed.digest);
    assert.equal((await run(tools.oras, ['blob', 'fetch', '--oci-layout', `${layout}@${layer}`, '--output', '-'], { env, cwd: ws })).stdout, 'hello after the folder is gone\n');
    assert.equal(await readlink(`/proc/${d.proc.pid}/cwd`), dirname(d.socketPath), 'the daemon works in its state folder');
    figures.cwdAfterStartFolderDeleted = 'state folder';
  });
});
