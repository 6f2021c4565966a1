import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, type DecodeEvent } from '../../src/server/frame-decoder';

const LIMIT = 1024 * 1024;
const msgs = (evs: DecodeEvent[]) => evs.filter((e) => e.kind === 'message').map((e) => (e as { value: unknown }).value);

test('sniffs NDJSON and LSP framing from the first byte', () => {
  const nd = new FrameDecoder({ maxMessageBytes: LIMIT });
  assert.deepEqual(msgs(nd.push(Buffer.from('{"a":1}\n{"b":2}\n'))), [{ a: 1 }, { b: 2 }]);
  assert.equal(nd.detected, 'ndjson');
  const lsp = new FrameDecoder({ maxMessageBytes: LIMIT });
  assert.deepEqual(msgs(lsp.push(Buffer.concat([encodeFrame('lsp', { a: 1 }), encodeFrame('lsp', { b: 2 })]))), [{ a: 1 }, { b: 2 }]);
  assert.equal(lsp.detected, 'lsp');
});

test('invalid JSON is a parse error and the stream goes on', () => {
  const d = new FrameDecoder({ maxMessageBytes: LIMIT });
  const ev = d.push(Buffer.from('{"ok":1}\n{not json\n{"ok":2}\n'));
  assert.deepEqual(ev.map((e) => e.kind), ['message', 'parse-error', 'message']);
});

test('an oversized NDJSON line is skipped without being buffered', () => {
  const d = new FrameDecoder({ maxMessageBytes: 1000 });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const events: DecodeEvent[] = [...d.push(Buffer.from('{"x":'))];
  for (let i = 0; i < 1600; i++) events.push(...d.push(chunk)); // 100 MiB line
  events.push(...d.push(Buffer.from('\n{"after":true}\n')));
  assert.deepEqual(events.map((e) => e.kind), ['too-large', 'message']);
  assert.deepEqual(msgs(events), [{ after: true }]);
});

test('bad or huge Content-Length ends the connection', () => {
  for (const raw of ['Content-Length: abc\r\n\r\n{}', 'Content-Length: 99999999999\r\n\r\n', 'Content-Type: x\r\n\r\n{}', `Content-Length: 5\r\n${'x'.repeat(9000)}`]) {
    const d = new FrameDecoder({ maxMessageBytes: LIMIT });
    const ev = d.push(Buffer.from(raw));
    assert.equal(ev.at(-1)?.kind, 'fatal', raw.slice(0, 30));
    assert.deepEqual(d.push(Buffer.from('{"a":1}\n')), []);
  }
});

test('binary garbage is refused at once', () => {
  const d = new FrameDecoder({ maxMessageBytes: LIMIT });
  assert.equal(d.push(Buffer.from([0x00, 0xff, 0x13]))[0]?.kind, 'fatal');
});

test('property: any split of a framed stream yields the same messages', () => {
  const value = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 4 });
  fc.assert(
    fc.property(fc.constantFrom('lsp' as const, 'ndjson' as const), fc.array(value, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), (framing, values, cuts) => {
      const bytes = Buffer.concat(values.map((v) => encodeFrame(framing, v)));
      const d = new FrameDecoder({ maxMessageBytes: LIMIT });
      const out: unknown[] = [];
      let pos = 0;
      for (const c of cuts) {
        if (pos >= bytes.length) break;
        out.push(...msgs(d.push(bytes.subarray(pos, pos + c))));
        pos += c;
      }
      out.push(...msgs(d.push(bytes.subarray(pos))));
      assert.deepEqual(out, JSON.parse(JSON.stringify(values)));
    }),
    { numRuns: 500 },
  );
});

test('fuzz: random bytes never throw and never buffer past the limit', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 20 }), (chunks) => {
      const d = new FrameDecoder({ maxMessageBytes: 256 });
      for (const c of chunks) {
        const ev = d.push(Buffer.from(c));
        for (const e of ev) assert.ok(['message', 'parse-error', 'too-large', 'fatal'].includes(e.kind));
        assert.ok(d.buffered <= 256 + 8 * 1024 + 400);
      }
    }),
    { numRuns: 2000 },
  );
});

test('a long frame arriving in many chunks is joined once, not copied again per chunk', () => {
  // Joining the held bytes on every chunk copied a 16 MB line ~256 times (2 GB for one line).
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const chunks = 256;
  const size = chunk.length * chunks;
  const concat = Buffer.concat;
  let copied = 0;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const b = concat(list, total);
    copied += b.length;
    return b;
  }) as typeof Buffer.concat;
  try {
    for (const framing of ['ndjson', 'lsp'] as const) {
      copied = 0;
      const d = new FrameDecoder({ maxMessageBytes: 32 * 1024 * 1024 });
      const events: DecodeEvent[] = [];
      const open = '{"x":"';
      const close = '"}';
      if (framing === 'lsp') events.push(...d.push(Buffer.from(`Content-Length: ${open.length + size + close.length}\r\n\r\n`)));
      events.push(...d.push(Buffer.from(open)));
      for (let i = 0; i < chunks; i++) {
        events.push(...d.push(chunk));
        assert.equal(d.midFrame, true);
      }
      assert.ok(d.buffered >= size, `${framing}: holds the frame so far`);
      events.push(...d.push(Buffer.from(framing === 'lsp' ? close : `${close}\n`)));
      assert.equal(events.length, 1, framing);
      assert.equal(((events[0] as { value: { x: string } }).value.x).length, size);
      assert.equal(d.buffered, 0);
      assert.equal(d.midFrame, false);
      assert.ok(copied <= 2 * size, `${framing}: ${Math.round(copied / 2 ** 20)} MiB copied for a ${size / 2 ** 20} MiB frame`);
    }
  } finally {
    Buffer.concat = concat;
  }
});

test('an empty LSP body and whitespace before the first frame', () => {
  const d = new FrameDecoder({ maxMessageBytes: LIMIT });
  assert.deepEqual(d.push(Buffer.from(' \r\n')), []);
  assert.equal(d.midFrame, false);
  assert.deepEqual(d.push(Buffer.from('Content-Length: 0\r\n\r\n')).map((e) => e.kind), ['parse-error']);
  assert.deepEqual(msgs(d.push(encodeFrame('lsp', { a: 1 }))), [{ a: 1 }]);
});

test('abandon drops what is held and ignores the rest', () => {
  const d = new FrameDecoder({ maxMessageBytes: LIMIT });
  d.push(Buffer.from('{"a":'));
  assert.equal(d.buffered, 5);
  d.abandon();
  assert.equal(d.buffered, 0);
  assert.deepEqual(d.push(Buffer.from('1}\n{"b":2}\n')), []);
});
