/**
 * Splits a byte stream into JSON-RPC messages. Two framings: LSP (`Content-Length` headers) and
 * newline-delimited JSON; the first non-blank byte decides which, so a shell or Python client
 * needs nothing but a socket. Pure and synchronous so it can be fuzzed: every input either
 * yields messages or a described error, never an exception, and memory stays bounded by
 * `maxMessageBytes` whatever arrives (an oversized NDJSON line is skipped, not buffered). What a
 * connection holds (`buffered`) is also counted against the daemon's budget across connections
 * (transport.ts), and a frame that never ends is cut off by a timeout there.
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
  /**
   * The unfinished frame, as the chunks it arrived in: joined once when the frame is complete.
   * Joining on every chunk copied a long line again and again (quadratic in its length).
   */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
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

  /** Bytes held for a frame not yet complete (what the daemon's input budget counts). */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Whether a frame has begun and not ended (bytes held, an oversized line being skipped, a body awaited). */
  get midFrame(): boolean {
    return !this.dead && (this.pendingBytes > 0 || this.skippingLine || this.contentLength !== undefined);
  }

  /** Drops what is held and ignores whatever comes next: the connection is being closed. */
  abandon(): void {
    this.dead = true;
    this.clear();
  }

  push(chunk: Buffer): DecodeEvent[] {
    if (this.dead) return [];
    const out: DecodeEvent[] = [];
    let data = chunk;
    if (!this.framing) {
      let i = 0;
      while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)) i++;
      if (i === data.length) return out;
      const c = data[i]!;
      if (c === 0x43 || c === 0x63) this.framing = 'lsp'; // "Content-Length" / "content-type"
      else if (c === 0x7b || c === 0x5b) this.framing = 'ndjson'; // "{" or "["
      else {
        this.dead = true;
        out.push({ kind: 'fatal', detail: `unrecognised framing: expected "Content-Length:" headers or a JSON object per line, got byte 0x${c.toString(16).padStart(2, '0')}` });
        return out;
      }
      data = data.subarray(i);
    }
    if (this.framing === 'ndjson') this.ndjson(data, out);
    else this.lsp(data, out);
    return out;
  }

  private hold(data: Buffer): void {
    if (!data.length) return;
    this.pending.push(data);
    this.pendingBytes += data.length;
  }

  /** The held chunks followed by `tail`, as one buffer (one copy), and nothing held any more. */
  private take(tail: Buffer): Buffer {
    const whole = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail], this.pendingBytes + tail.length);
    this.clear();
    return whole;
  }

  private clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private ndjson(data: Buffer, out: DecodeEvent[]): void {
    while (data.length) {
      // Earlier chunks of this line held no newline: only the new bytes need searching.
      const nl = data.indexOf(0x0a);
      if (this.skippingLine) {
        if (nl < 0) {
          this.skippedBytes += data.length;
          return;
        }
        this.skippedBytes += nl;
        out.push({ kind: 'too-large', size: this.skippedBytes });
        this.skippingLine = false;
        this.skippedBytes = 0;
        data = data.subarray(nl + 1);
        continue;
      }
      if (nl < 0) {
        if (this.pendingBytes + data.length > this.opts.maxMessageBytes) {
          this.skippingLine = true;
          this.skippedBytes = this.pendingBytes + data.length;
          this.clear();
        } else this.hold(data);
        return;
      }
      const size = this.pendingBytes + nl;
      if (size > this.opts.maxMessageBytes) {
        this.clear();
        out.push({ kind: 'too-large', size });
      } else {
        const text = this.take(data.subarray(0, nl)).toString('utf8').trim();
        if (text) out.push(parse(text));
      }
      data = data.subarray(nl + 1);
    }
  }

  private lsp(data: Buffer, out: DecodeEvent[]): void {
    while (data.length) {
      if (this.contentLength === undefined) {
        // The header block is at most 8 KiB: joining it per chunk costs little.
        const head = this.take(data);
        const end = head.indexOf(CRLFCRLF);
        if (end < 0) {
          if (head.length > MAX_HEADER_BYTES) this.fatal(out, 'header block longer than 8 KiB without a blank line');
          else this.hold(head);
          return;
        }
        const header = head.subarray(0, end).toString('ascii');
        data = head.subarray(end + 4);
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
        continue;
      }
      const need = this.contentLength - this.pendingBytes;
      if (data.length < need) {
        this.hold(data);
        return;
      }
      const body = this.take(data.subarray(0, need));
      data = data.subarray(need);
      this.contentLength = undefined;
      out.push(parse(body.toString('utf8')));
    }
    // A zero-length body completes without further bytes.
    if (this.contentLength === 0) {
      this.contentLength = undefined;
      out.push(parse(''));
    }
  }

  private fatal(out: DecodeEvent[], detail: string): void {
    this.dead = true;
    this.clear();
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
