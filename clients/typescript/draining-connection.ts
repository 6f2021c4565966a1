import type { Disposable, Message, MessageStrategy, DataCallback } from 'vscode-jsonrpc/node';
import { StreamMessageReader } from 'vscode-jsonrpc/node';

const isResponse = (m: Message): boolean => 'id' in m && !('method' in m);

/**
 * Tells when a connection has ended AND every answer that came before the end has been handed to
 * its request. vscode-jsonrpc decodes and dispatches received messages on later turns of the
 * event loop (setImmediate), while the socket's close arrives on the next tick: disposing the
 * connection on close rejected, with -32097 "connection got disposed", a request whose answer
 * was already read (the daemon answers a refused client, LIMIT_EXCEEDED, and closes at once).
 */
export class DrainingReader extends StreamMessageReader {
  private received = 0;
  private handled = 0;
  private ended = false;
  private onDrained: (() => void) | undefined;

  /** Passed to createMessageConnection: counts the answers actually handed to their requests. */
  readonly strategy: MessageStrategy = {
    handleMessage: (m, next) => {
      try {
        next(m);
      } finally {
        if (isResponse(m)) this.handled += 1;
        this.check();
      }
    },
  };

  /** Calls `f` once the stream has ended and every answer received has been handled. */
  whenDrained(f: () => void): void {
    this.onDrained = f;
    this.check();
  }

  override listen(callback: DataCallback): Disposable {
    return super.listen((m) => {
      if (isResponse(m)) this.received += 1;
      callback(m);
    });
  }

  protected override fireClose(): void {
    // Frames already read are still being decoded, one after the other, under the reader's
    // semaphore: a task queued behind them runs once they all reached the connection's queue.
    // (A private field of vscode-jsonrpc 8-10: without it, close at once as before.)
    const decoding = (this as unknown as { readSemaphore?: { lock(t: () => Promise<void>): Promise<void> } }).readSemaphore;
    const close = () => {
      this.ended = true;
      super.fireClose();
      this.check();
    };
    if (decoding) decoding.lock(async () => undefined).then(close, close);
    else close();
  }

  private check(): void {
    if (this.ended && this.handled >= this.received && this.onDrained) {
      const f = this.onDrained;
      this.onDrained = undefined;
      f();
    }
  }
}
