import type { Socket } from 'node:net';
import type { Logger } from '../log';
import { encodeFrame, FrameDecoder } from './frame-decoder';
import { limitProblem } from './transport';

/**
 * Refused connections being answered at once, at most: each holds a descriptor for a moment
 * (taken from the half of the descriptors not given to clients). Past it a connection is closed
 * at once, its answer written but perhaps lost if the client writes first (EPIPE).
 */
const refusingCap = (max: number) => Math.max(16, Math.min(256, Math.floor(max / 4)));
/** How long a refused connection may take to begin its first message. */
const REFUSAL_WAIT_MS = 2_000;
/**
 * How long a first message, once begun, may take to end. An LSP client writes its headers and
 * its body apiece (the TypeScript client's `initialize` carries its environment): answering
 * between the two, in LSP framing but with no id, left that client with a closed connection
 * and no answer to its request (-32097) instead of LIMIT_EXCEEDED on a loaded machine.
 */
const REFUSAL_FRAME_WAIT_MS = 30_000;
/** A first message larger than this is not read: the refusal goes out with a null id. */
const REFUSAL_READ_BYTES = 64 * 1024;

/**
 * Counts the daemon's socket connections and refuses those past `max`, so that a flood of idle
 * connections cannot take every file descriptor (and with them the registry connections and
 * files the other clients' requests need).
 *
 * A refused client is told why in its own framing and to the id of its first request, so any
 * client (an LSP one expecting Content-Length headers too) reports LIMIT_EXCEEDED rather than a
 * broken pipe; a client that says nothing within a moment gets the answer as a JSON line.
 */
export class ConnectionLimit {
  private live = 0;
  private refusing = 0;
  private warned = false;
  private readonly maxRefusing: number;

  constructor(
    readonly max: number,
    private readonly log: Logger,
  ) {
    this.maxRefusing = refusingCap(max);
  }

  get connected(): number {
    return this.live;
  }

  /** Admits the socket (counted until it closes), or answers it LIMIT_EXCEEDED, closes it and says false. */
  admit(s: Socket): boolean {
    if (this.live < this.max) {
      this.live += 1;
      s.once('close', () => {
        this.live -= 1;
        if (this.live < this.max) this.warned = false;
      });
      return true;
    }
    if (!this.warned) {
      this.warned = true;
      this.log.warn({ maxConnections: this.max }, 'connection limit reached: refusing new clients until some leave');
    }
    this.refuse(s);
    return false;
  }

  private refuse(s: Socket): void {
    const problem = limitProblem(
      `the daemon already serves ${this.max} connections, its limit`,
      'close connections you no longer use, or start the daemon with a larger --max-connections (ORASD_MAX_CONNECTIONS)',
    );
    let answered = false;
    const answer = (id: string | number | null, framing: 'lsp' | 'ndjson' = 'ndjson') => {
      if (answered) return;
      answered = true;
      s.removeAllListeners('data');
      if (!s.destroyed) {
        s.write(encodeFrame(framing, { jsonrpc: '2.0', id, error: { code: problem.code, message: problem.message, data: problem.data } }));
        s.destroySoon();
      }
    };
    if (this.refusing >= this.maxRefusing) return answer(null);
    this.refusing += 1;
    const decoder = new FrameDecoder({ maxMessageBytes: REFUSAL_READ_BYTES });
    let read = 0;
    let timer = setTimeout(() => {
      // Timers run before the loop reads sockets: a first message that is already here (the
      // daemon was busy past the wait) is read before deciding the client said nothing.
      setImmediate(() => {
        if (s.destroyed) return;
        if (read === 0) return answer(null, decoder.detected);
        timer = setTimeout(() => answer(null, decoder.detected), REFUSAL_FRAME_WAIT_MS);
      });
    }, REFUSAL_WAIT_MS);
    s.once('close', () => {
      this.refusing -= 1;
      clearTimeout(timer);
    });
    s.on('data', (chunk: Buffer) => {
      read += chunk.length;
      for (const ev of decoder.push(chunk)) {
        const m = ev.kind === 'message' ? (ev.value as { id?: unknown } | null) : null;
        const id = m && (typeof m.id === 'string' || typeof m.id === 'number') ? m.id : null;
        return answer(id, decoder.detected);
      }
      if (read > REFUSAL_READ_BYTES) answer(null, decoder.detected);
    });
  }
}
