// A raw JSON-RPC connection to the daemon (NDJSON or Content-Length framing) with many requests in
// flight, that notices every response it cannot match: an unknown or foreign id (crossed), a
// second answer to one id (duplicated), and, at the end, requests never answered (lost).
import type { Socket } from 'node:net';
import { encodeFrame, FrameDecoder, type Framing } from '../../../src/server/frame-decoder';

export interface Response {
  id: string;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class RpcConnection {
  private readonly pending = new Map<string, (r: Response) => void>();
  private readonly answered = new Set<string>();
  private readonly decoder: FrameDecoder;
  private next = 0;
  readonly anomalies: string[] = [];
  closed = false;

  constructor(
    readonly name: string,
    readonly socket: Socket,
    readonly framing: Framing,
  ) {
    this.decoder = new FrameDecoder({ maxMessageBytes: 64 * 1024 * 1024, framing });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.decoder.push(chunk)) {
        if (ev.kind !== 'message') {
          this.anomalies.push(`${name}: undecodable frame (${ev.kind})`);
          continue;
        }
        this.onMessage(ev.value as Record<string, unknown>);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  private onMessage(m: Record<string, unknown>): void {
    if ('method' in m) return; // $/progress and other notifications
    const id = String(m.id);
    const resolve = this.pending.get(id);
    if (!resolve) {
      this.anomalies.push(this.answered.has(id) ? `${this.name}: second answer to ${id}` : `${this.name}: answer to an id it never sent: ${id}`);
      return;
    }
    this.pending.delete(id);
    this.answered.add(id);
    resolve({ id, ...(m.error ? { error: m.error as Response['error'] } : { result: m.result }) });
  }

  /** Sends a request; the id carries the connection's name, so an answer that crosses over shows. */
  request(method: string, params: unknown): { id: string; response: Promise<Response> } {
    const id = `${this.name}#${++this.next}`;
    const response = new Promise<Response>((resolve) => this.pending.set(id, resolve));
    this.socket.write(encodeFrame(this.framing, { jsonrpc: '2.0', id, method, params }));
    return { id, response };
  }

  cancel(id: string): void {
    this.socket.write(encodeFrame(this.framing, { jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }));
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Ids still waiting for an answer. */
  unanswered(): string[] {
    return [...this.pending.keys()];
  }

  close(): void {
    this.socket.destroy();
  }
}
