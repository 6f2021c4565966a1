import type { Readable, Writable } from 'node:stream';
import { Socket } from 'node:net';
import { AbstractMessageReader, AbstractMessageWriter, Disposable, type DataCallback, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc/node';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import { encodeFrame, FrameDecoder, type DecodeEvent, type Framing } from './frame-decoder';
import { BUFFER_FLOOR_BYTES, MiB, type InputBudget } from './limits';

/** Something wrong with what a peer sent that vscode-jsonrpc never sees: we answer it ourselves. */
export interface FrameProblem {
  code: number;
  message: string;
  id: string | number | null;
  fatal: boolean;
  data?: ErrorData;
}

export interface ReaderLimits {
  maxMessageBytes: number;
  /** 0 = none (stdio: the one client is the parent process). */
  frameTimeoutMs: number;
  /** Shared by every socket connection; none for stdio. */
  budget?: InputBudget;
}

const mib = (n: number) => `${Math.round((n / MiB) * 10) / 10} MiB`;

export function limitProblem(detail: string, hint: string, id: string | number | null = null): FrameProblem {
  return { code: ErrorCodes.LimitExceeded, message: `${detail}; closing the connection`, id, fatal: true, data: { code: 'LIMIT_EXCEEDED', detail, hint } };
}

function problemFor(ev: Exclude<DecodeEvent, { kind: 'message' }>, maxMessageBytes: number): FrameProblem {
  switch (ev.kind) {
    case 'parse-error':
      return { code: ErrorCodes.ParseError, message: `Parse error: ${ev.detail}`, id: null, fatal: false };
    case 'too-large': {
      const detail = `a message of ${ev.size} bytes exceeds the daemon's ${maxMessageBytes}-byte (${mib(maxMessageBytes)}) message limit`;
      return {
        code: ErrorCodes.LimitExceeded,
        message: `${detail}; it was skipped`,
        id: null,
        fatal: false,
        data: { code: 'LIMIT_EXCEEDED', detail, hint: 'send files by path, not inside messages; or start the daemon with a larger --max-message-mib' },
      };
    }
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

/**
 * Reads framed messages from a stream, sniffing the framing; feeds vscode-jsonrpc only well-formed
 * ones. Holds the connection to the daemon's limits: what it buffers counts against the shared
 * budget, and a frame that never completes ends the connection after `frameTimeoutMs`.
 */
export class FramedReader extends AbstractMessageReader implements MessageReader {
  readonly decoder: FrameDecoder;
  private counted = 0;
  private completedFrame = false;
  private timer: NodeJS.Timeout | undefined;
  private refused = false;
  constructor(
    private readonly stream: Readable,
    private readonly onProblem: (p: FrameProblem) => void,
    private readonly limits: ReaderLimits,
    framing?: Framing,
  ) {
    super();
    this.decoder = new FrameDecoder({ maxMessageBytes: limits.maxMessageBytes, ...(framing ? { framing } : {}) });
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => {
      const events = this.decoder.push(chunk);
      for (const ev of events) {
        if (ev.kind === 'message') this.completedFrame = true;
        if (ev.kind !== 'message') {
          this.onProblem(problemFor(ev, this.limits.maxMessageBytes));
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
      if (events.some((e) => e.kind === 'message' || e.kind === 'too-large')) this.disarm();
      this.account();
      this.arm();
    };
    const onEnd = () => {
      this.release();
      this.fireClose();
    };
    const onError = (e: Error) => this.fireError(e);
    this.stream.on('data', onData);
    this.stream.on('end', onEnd);
    this.stream.on('close', onEnd);
    this.stream.on('error', onError);
    this.arm();
    return Disposable.create(() => {
      this.release();
      this.stream.off('data', onData);
      this.stream.off('end', onEnd);
      this.stream.off('close', onEnd);
      this.stream.off('error', onError);
    });
  }

  /** Brings the shared budget up to date with what the decoder holds; refuses the connection past it. */
  private account(): void {
    const budget = this.limits.budget;
    if (!budget || this.refused) return;
    const now = this.decoder.buffered;
    const ok = budget.update(this.counted, now);
    this.counted = now;
    if (ok) return;
    this.refuse(
      limitProblem(
        `the daemon holds ${mib(budget.bytes)} of unfinished messages across its connections, over its ${mib(budget.max)} budget, and this connection holds ${mib(now)} of them`,
        `send messages under ${BUFFER_FLOOR_BYTES / 1024} KiB, or retry when the daemon is less busy; the budget is --max-buffered-mib`,
      ),
    );
  }

  /** A timer runs until the first frame completes, and while a frame is unfinished. */
  private arm(): void {
    const ms = this.limits.frameTimeoutMs;
    if (!ms || this.timer || this.refused || (this.completedFrame && !this.decoder.midFrame)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const what = this.completedFrame ? 'an unfinished message' : 'no complete message';
      this.refuse(limitProblem(`${what} after ${ms / 1000} s on this connection`, 'send each message whole, ending a line with \\n (or after its Content-Length); the limit is --frame-timeout'));
    }, ms);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private refuse(p: FrameProblem): void {
    this.refused = true;
    this.release();
    this.onProblem(p);
  }

  /** Returns what this connection held to the budget and stops decoding. */
  private release(): void {
    this.disarm();
    if (this.counted) this.limits.budget?.update(this.counted, 0);
    this.counted = 0;
    if (this.refused || this.stream.destroyed) this.decoder.abandon();
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
    // A socket is destroyed once the last answer is out: a peer that keeps sending must not keep
    // it (and its descriptor) half-open. stdout stays: the process owns it.
    if (this.stream instanceof Socket && this.stream !== process.stdout) this.stream.destroySoon();
    else if (!this.stream.writableEnded) this.stream.end();
  }
}
