// One newline-delimited JSON-RPC connection to a daemon, kept open: calls one after another,
// each timed from write to parsed answer (what a client on an open socket sees).
import type { Socket } from 'node:net';
import { connect } from './daemon';

export class RpcConnection {
  private buf = '';
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.failAll(e));
    socket.on('close', () => this.failAll(new Error('connection closed')));
  }

  static async open(socketPath: string): Promise<RpcConnection> {
    return new RpcConnection(await connect(socketPath));
  }

  call<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  /** A call and its time in ms. */
  async timed<T = unknown>(method: string, params: unknown): Promise<{ value: T; ms: number }> {
    const t0 = process.hrtime.bigint();
    const value = await this.call<T>(method, params);
    return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf += d.toString('utf8');
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line) as { id?: number; result?: unknown; error?: { message: string } };
      const w = m.id !== undefined ? this.waiting.get(m.id) : undefined;
      if (!w) continue; // notifications ($/progress) and strays
      this.waiting.delete(m.id!);
      if (m.error) w.reject(new Error(`${w.method}: ${m.error.message}`));
      else w.resolve(m.result);
    }
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
