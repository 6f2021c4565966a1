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
        assert.ok((d as unknown as { buf: Buffer }).buf.length <= 256 + 8 * 1024 + 400);
      }
    }),
    { numRuns: 2000 },
  );
});
