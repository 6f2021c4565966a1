/**
 * The TypeScript client when the daemon answers and closes at once (what it does to a client
 * refused for the connection limit): the answer must win over the close. A home-made peer makes
 * the answer and the end arrive together every time, which a loaded machine does only now and
 * then (test/reliability/resource-bounds.test.ts saw -32097 instead of LIMIT_EXCEEDED).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OrasdClient, OrasdRequestError } from '../clients/typescript';
import { ErrorCodes } from '../protocol/errors';
import { encodeFrame, FrameDecoder } from '../src/server/frame-decoder';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A peer that, on its first request, does `reply(socket, id)`. */
async function peer(reply: (s: Socket, id: unknown) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orasd-ts-close-'));
  const path = join(dir, 'peer.sock');
  const server: Server = createServer((s) => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1 << 20 });
    s.on('error', () => undefined);
    s.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) if (ev.kind === 'message') return reply(s, (ev.value as { id: unknown }).id);
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  cleanups.push(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return path;
}

const refusal = (id: unknown) =>
  encodeFrame('lsp', { jsonrpc: '2.0', id, error: { code: ErrorCodes.LimitExceeded, message: 'the daemon already serves 32 connections, its limit', data: { code: 'LIMIT_EXCEEDED' } } });

async function refusedCodes(socketPath: string, times: number): Promise<Set<unknown>> {
  const codes = new Set<unknown>();
  for (let i = 0; i < times; i++) {
    const e = await OrasdClient.connect({ socketPath, autoSpawn: false }).then(
      () => assert.fail('the refused client connected'),
      (err: unknown) => err,
    );
    codes.add(e instanceof OrasdRequestError ? e.code : String(e));
  }
  return codes;
}

test('an answer followed at once by the end of the connection reaches the request (200 times)', async () => {
  // Answer and close at once, as the daemon does to a client refused for the connection limit.
  const socketPath = await peer((s, id) => {
    s.write(refusal(id));
    s.destroySoon();
  });
  assert.deepEqual(await refusedCodes(socketPath, 200), new Set([ErrorCodes.LimitExceeded]));
});

test('a connection that ends without answering still fails the request in flight', async () => {
  const socketPath = await peer((s) => s.end());
  const e = await OrasdClient.connect({ socketPath, autoSpawn: false }).then(
    () => assert.fail('connected without an answer'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof Error);
  assert.match(String((e as { message: string }).message), /disposed|closed/);
});
