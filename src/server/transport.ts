import type { Readable, Writable } from 'node:stream';
import { AbstractMessageReader, AbstractMessageWriter, Disposable, type DataCallback, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc/node';
import { ErrorCodes } from '../../protocol/errors';
import { encodeFrame, FrameDecoder, type DecodeEvent, type Framing } from './frame-decoder';

export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Something wrong with what a peer sent that vscode-jsonrpc never sees: we answer it ourselves. */
export interface FrameProblem {
  code: number;
  message: string;
  id: string | number | null;
  fatal: boolean;
}

function problemFor(ev: Exclude<DecodeEvent, { kind: 'message' }>): FrameProblem {
  switch (ev.kind) {
    case 'parse-error':
      return { code: ErrorCodes.ParseError, message: `Parse error: ${ev.detail}`, id: null, fatal: false };
    case 'too-large':
      return { code: ErrorCodes.InvalidRequest, message: `message of ${ev.size} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`, id: null, fatal: false };
    case 'fatal':
      return { code: ErrorCodes.ParseError, message: `Parse error: ${ev.detail}; closing the connection`, id: null, fatal: true };
  }
}

/** JSON-RPC 2.0 shape checks vscode-jsonrpc would otherwise only log. */
function shapeProblem(v: unknown): FrameProblem | undefined {
  if (Array.isArray(v)) {
    return { code: ErrorCodes.InvalidRequest, message: 'batch arrays are not supported: send requests one by one (they run concurrently)', id: null, fatal: false };
  }
  if (!v || typeof v !== 'object') return { code: ErrorCodes.InvalidRequest, message: 'Invalid Request: a message must be a JSON object', id: null, fatal: false };
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? o.id : null;
  if (o.jsonrpc !== undefined && o.jsonrpc !== '2.0') return { code: ErrorCodes.InvalidRequest, message: 'Invalid Request: jsonrpc must be "2.0"', id, fatal: false };
  if ('method' in o) {
    if (typeof o.method !== 'string') return { code: ErrorCodes.InvalidRequest, message: 'Invalid Request: method must be a string', id, fatal: false };
    if ('id' in o && o.id !== null && typeof o.id !== 'string' && typeof o.id !== 'number') {
      return { code: ErrorCodes.InvalidRequest, message: 'Invalid Request: id must be a string or a number', id: null, fatal: false };
    }
    if (o.params !== undefined && (o.params === null || typeof o.params !== 'object')) {
      return { code: ErrorCodes.InvalidRequest, message: 'Invalid Request: params must be an object or an array', id, fatal: false };
    }
    return undefined;
  }
  if ('id' in o && ('result' in o || 'error' in o)) return undefined;
  return { code: ErrorCodes.InvalidRequest, message: 'Invalid Request: neither a request, a notification nor a response', id, fatal: false };
}

/** Reads framed messages from a stream, sniffing the framing; feeds vscode-jsonrpc only well-formed ones. */
export class FramedReader extends AbstractMessageReader implements MessageReader {
  readonly decoder: FrameDecoder;
  constructor(
    private readonly stream: Readable,
    private readonly onProblem: (p: FrameProblem) => void,
    framing?: Framing,
  ) {
    super();
    this.decoder = new FrameDecoder({ maxMessageBytes: MAX_MESSAGE_BYTES, ...(framing ? { framing } : {}) });
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => {
      for (const ev of this.decoder.push(chunk)) {
        if (ev.kind !== 'message') {
          this.onProblem(problemFor(ev));
          continue;
        }
        const problem = shapeProblem(ev.value);
        if (problem) this.onProblem(problem);
        else {
          const m = ev.value as Record<string, unknown>;
          if (m.jsonrpc === undefined) m.jsonrpc = '2.0';
          callback(m as unknown as Message);
        }
      }
    };
    const onEnd = () => this.fireClose();
    const onError = (e: Error) => this.fireError(e);
    this.stream.on('data', onData);
    this.stream.on('end', onEnd);
    this.stream.on('close', onEnd);
    this.stream.on('error', onError);
    return Disposable.create(() => {
      this.stream.off('data', onData);
      this.stream.off('end', onEnd);
      this.stream.off('close', onEnd);
      this.stream.off('error', onError);
    });
  }
}

/** Writes messages in the framing the peer chose (LSP until the peer has spoken). */
export class FramedWriter extends AbstractMessageWriter implements MessageWriter {
  private closed = false;
  constructor(
    private readonly stream: Writable,
    private readonly framing: () => Framing,
  ) {
    super();
    stream.on('close', () => {
      this.closed = true;
      this.fireClose();
    });
    stream.on('error', (e) => this.fireError(e));
  }

  write(msg: Message | Record<string, unknown>): Promise<void> {
    if (this.closed || this.stream.destroyed || this.stream.writableEnded) return Promise.resolve();
    const frame = encodeFrame(this.framing(), msg);
    return new Promise((resolve) => {
      this.stream.write(frame, (err) => {
        if (err) this.fireError(err, msg as Message, 1);
        resolve();
      });
    });
  }

  end(): void {
    this.closed = true;
    if (!this.stream.writableEnded) this.stream.end();
  }
}
