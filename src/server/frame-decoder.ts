/**
 * Splits a byte stream into JSON-RPC messages. Two framings: LSP (`Content-Length` headers) and
 * newline-delimited JSON; the first non-blank byte decides which, so a shell or Python client
 * needs nothing but a socket. Pure and synchronous so it can be fuzzed: every input either
 * yields messages or a described error, never an exception, and memory stays bounded by
 * `maxMessageBytes` whatever arrives (an oversized NDJSON line is skipped, not buffered).
 */

export type Framing = 'lsp' | 'ndjson';

export type DecodeEvent =
  | { kind: 'message'; value: unknown }
  /** Bytes that are not JSON (or not a JSON object): answered with a parse error; the stream goes on. */
  | { kind: 'parse-error'; detail: string }
  /** A message over the size limit: answered with an error; the stream goes on (NDJSON) or ends (LSP). */
  | { kind: 'too-large'; size: number }
  /** Framing we cannot recover from (bad headers, garbage first byte): the connection must close. */
  | { kind: 'fatal'; detail: string };

export interface DecoderOptions {
  maxMessageBytes: number;
  /** Force a framing instead of sniffing (stdio is always LSP). */
  framing?: Framing;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 8 * 1024;

export class FrameDecoder {
  private framing: Framing | undefined;
  private buf: Buffer = Buffer.alloc(0);
  /** NDJSON: discarding the rest of an oversized line. */
  private skippingLine = false;
  private skippedBytes = 0;
  private contentLength: number | undefined;
  private dead = false;

  constructor(private readonly opts: DecoderOptions) {
    this.framing = opts.framing;
  }

  get detected(): Framing | undefined {
    return this.framing;
  }

  push(chunk: Buffer): DecodeEvent[] {
    if (this.dead) return [];
    const out: DecodeEvent[] = [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.framing) {
      let i = 0;
      while (i < this.buf.length && (this.buf[i] === 0x20 || this.buf[i] === 0x0a || this.buf[i] === 0x0d || this.buf[i] === 0x09)) i++;
      if (i === this.buf.length) {
        this.buf = Buffer.alloc(0);
        return out;
      }
      const c = this.buf[i]!;
      if (c === 0x43 || c === 0x63) this.framing = 'lsp'; // "Content-Length" / "content-type"
      else if (c === 0x7b || c === 0x5b) this.framing = 'ndjson'; // "{" or "["
      else {
        this.dead = true;
        out.push({ kind: 'fatal', detail: `unrecognised framing: expected "Content-Length:" headers or a JSON object per line, got byte 0x${c.toString(16).padStart(2, '0')}` });
        return out;
      }
    }
    if (this.framing === 'ndjson') this.ndjson(out);
    else this.lsp(out);
    return out;
  }

  private ndjson(out: DecodeEvent[]): void {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (this.skippingLine) {
        if (nl < 0) {
          this.skippedBytes += this.buf.length;
          this.buf = Buffer.alloc(0);
          return;
        }
        this.skippedBytes += nl;
        out.push({ kind: 'too-large', size: this.skippedBytes });
        this.skippingLine = false;
        this.skippedBytes = 0;
        this.buf = this.buf.subarray(nl + 1);
        continue;
      }
      if (nl < 0) {
        if (this.buf.length > this.opts.maxMessageBytes) {
          this.skippingLine = true;
          this.skippedBytes = this.buf.length;
          this.buf = Buffer.alloc(0);
        }
        return;
      }
      const line = this.buf.subarray(0, nl);
      this.buf = this.buf.subarray(nl + 1);
      if (line.length > this.opts.maxMessageBytes) {
        out.push({ kind: 'too-large', size: line.length });
        continue;
      }
      const text = line.toString('utf8').trim();
      if (!text) continue;
      out.push(parse(text));
    }
  }

  private lsp(out: DecodeEvent[]): void {
    for (;;) {
      if (this.contentLength === undefined) {
        const end = this.buf.indexOf(CRLFCRLF);
        if (end < 0) {
          if (this.buf.length > MAX_HEADER_BYTES) this.fatal(out, 'header block longer than 8 KiB without a blank line');
          return;
        }
        const header = this.buf.subarray(0, end).toString('ascii');
        this.buf = this.buf.subarray(end + 4);
        let length: number | undefined;
        for (const line of header.split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) return this.fatal(out, `malformed header line "${line.slice(0, 80)}"`);
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          if (name === 'content-length') {
            if (!/^\d{1,15}$/.test(value)) return this.fatal(out, `Content-Length "${value.slice(0, 40)}" is not a number`);
            // Two lengths that disagree leave the message boundary to guesswork: refuse, as HTTP does.
            if (length !== undefined && length !== Number(value)) return this.fatal(out, 'conflicting Content-Length headers');
            length = Number(value);
          }
        }
        if (length === undefined) return this.fatal(out, 'header block without Content-Length');
        if (length > this.opts.maxMessageBytes) {
          // We could skip the body, but a peer announcing gigabytes is broken or hostile: end it.
          out.push({ kind: 'too-large', size: length });
          return this.fatal(out, `Content-Length ${length} exceeds the ${this.opts.maxMessageBytes}-byte limit`);
        }
        this.contentLength = length;
      }
      if (this.buf.length < this.contentLength) return;
      const body = this.buf.subarray(0, this.contentLength);
      this.buf = this.buf.subarray(this.contentLength);
      this.contentLength = undefined;
      out.push(parse(body.toString('utf8')));
    }
  }

  private fatal(out: DecodeEvent[], detail: string): void {
    this.dead = true;
    this.buf = Buffer.alloc(0);
    out.push({ kind: 'fatal', detail });
  }
}

function parse(text: string): DecodeEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'parse-error', detail: (e as Error).message };
  }
  return { kind: 'message', value };
}

/** Encodes one message in the given framing. */
export function encodeFrame(framing: Framing, message: unknown): Buffer {
  const json = JSON.stringify(message);
  if (framing === 'ndjson') return Buffer.from(`${json}\n`, 'utf8');
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}
