import { isAbsolute, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createMessageConnection, ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc/node';
import { ErrorCodes, MethodsByName, validateParams, type ErrorData, type ProgressValue } from '../../protocol';
import { fromFsError } from '../api/fs-errors';
import { scrubText, scrubValue, secretsOf } from '../api/scrub';
import { handlers } from '../api/handlers';
import type { CallContext } from '../api/engine';
import { OrasdError } from '../errors';
import type { Logger } from '../log';
import type { Framing } from './frame-decoder';
import { FramedReader, FramedWriter, type FrameProblem, type ReaderLimits } from './transport';
import type { Daemon } from './daemon';
import { runCliRequest } from './cli-bridge';

let nextClientId = 1;

/**
 * One client of the daemon: a socket or stdio. Requests run concurrently; when the client goes
 * away, everything it still had in flight is cancelled (transfers aborted, temp files removed).
 */
export class ClientConnection {
  readonly id = nextClientId++;
  readonly log: Logger;
  readonly connection: MessageConnection;
  private readonly writer: FramedWriter;
  private readonly reader: FramedReader;
  private readonly inFlight = new Set<AbortController>();
  private nextRequest = 1;
  private closed = false;
  clientName: string | undefined;
  /** The environment the client sent in initialize (protocol/caller-env.ts); never the daemon's own. */
  env: Record<string, string> | undefined;

  constructor(
    readonly daemon: Daemon,
    input: Readable,
    output: Writable,
    opts: { framing?: Framing; label: string; limits: ReaderLimits },
  ) {
    this.log = daemon.log.child({ client: this.id });
    this.reader = new FramedReader(input, (p) => this.onFrameProblem(p), opts.limits, opts.framing);
    // Before the peer has shown its framing (garbage first bytes), answer in NDJSON: readable in a terminal.
    this.writer = new FramedWriter(output, () => this.reader.decoder.detected ?? 'ndjson');
    this.connection = createMessageConnection(this.reader, this.writer, {
      error: (m) => this.log.debug({ detail: m }, 'jsonrpc'),
      warn: (m) => this.log.debug({ detail: m }, 'jsonrpc'),
      info: () => undefined,
      log: () => undefined,
    });
    this.connection.onRequest((method, params, token) => this.dispatch(method, params, token));
    this.connection.onNotification('exit', () => void daemon.shutdown('exit notification'));
    this.connection.onClose(() => this.onClose());
    this.connection.onError(([e]) => this.log.debug({ err: e }, 'connection error'));
    this.connection.listen();
    this.log.debug({ transport: opts.label }, 'client connected');
  }

  private onFrameProblem(p: FrameProblem): void {
    this.log.warn({ code: p.code, detail: p.message }, 'bad frame from client');
    const sent = this.writer.write({ jsonrpc: '2.0', id: p.id, error: { code: p.code, message: p.message, ...(p.data ? { data: p.data } : {}) } });
    if (!p.fatal) return;
    // A peer that never reads would keep the answer, and so the connection, pending for ever.
    const grace = new Promise((r) => setTimeout(r, 2000).unref());
    void Promise.race([sent, grace]).then(() => this.close());
  }

  private async dispatch(method: string, rawParams: unknown, token: CancellationToken): Promise<unknown> {
    const spec = MethodsByName.get(method);
    const known = !!spec && spec.kind === 'request' && spec.direction === 'client→server';
    // Every request counts, refused ones too (status excepted: it observes the counters; counting
    // it would make every snapshot show itself in flight). Unknown names share one key, so a
    // client inventing method names cannot grow byMethod.
    const stats = method === 'status' ? undefined : this.daemon.stats;
    const key = known ? method : '(unknown)';
    if (!known) {
      stats?.begin(key);
      stats?.end(key, 'failed');
      throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method "${method.slice(0, 100)}"; see protocol/PROTOCOL.md for the list`, { code: 'METHOD_NOT_FOUND' });
    }
    const params = rawParams ?? {};
    const problems = validateParams(method, params);
    if (problems.length) {
      stats?.begin(key);
      stats?.end(key, 'failed');
      const first = problems[0]!;
      throw new ResponseError(ErrorCodes.InvalidParams, `invalid params for ${method}: ${first.path || 'params'} ${first.message}`, {
        code: 'INVALID_PARAMS',
        detail: problems,
      } satisfies ErrorData);
    }
    const rid = this.nextRequest++;
    const log = this.log.child({ method, rid });
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    this.inFlight.add(controller);
    stats?.begin(method);
    const started = Date.now();
    try {
      const p = params as Record<string, unknown>;
      const ctx: CallContext = {
        signal: controller.signal,
        log,
        cwd: typeof p.cwd === 'string' ? (isAbsolute(p.cwd) ? p.cwd : resolve(p.cwd)) : process.cwd(),
        ...(this.env ? { env: this.env } : {}),
        ...(this.daemon.engine.temps ? { temps: this.daemon.engine.temps } : {}),
        ...(p.progressToken !== undefined ? { progress: (value: ProgressValue) => this.progress(p.progressToken as string | number, value) } : {}),
      };
      const result = await this.run(method, p, ctx);
      stats?.end(method, 'succeeded');
      log.debug({ ms: Date.now() - started }, 'request done');
      return result;
    } catch (e) {
      const err = this.toResponseError(e, controller.signal, params as Record<string, unknown>);
      stats?.end(method, err.code === ErrorCodes.RequestCancelled ? 'cancelled' : 'failed');
      if (err.code === ErrorCodes.InternalError) log.error({ detail: scrubText(e instanceof Error ? (e.stack ?? e.message) : String(e), secretsOf(params as Record<string, unknown>)) }, 'request failed unexpectedly');
      else log.info({ code: err.code, detail: err.message, ms: Date.now() - started }, 'request failed');
      throw err;
    } finally {
      sub.dispose();
      this.inFlight.delete(controller);
      this.daemon.touch();
    }
  }

  private run(method: string, params: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    switch (method) {
      case 'initialize':
        return this.daemon.initialize(this, params);
      case 'status':
        return Promise.resolve(this.daemon.status());
      case 'shutdown':
        void this.daemon.shutdown(`shutdown requested by client ${this.id}`);
        return Promise.resolve(null);
      case 'cli/run':
        return runCliRequest(this, params, ctx);
    }
    const handler = handlers[method];
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `method "${method}" is not implemented by this daemon`);
    if (this.daemon.stopping) throw new OrasdError(ErrorCodes.ShuttingDown, 'the daemon is shutting down; retry and a new one will start');
    return handler(this.daemon.engine, params, ctx);
  }

  private toResponseError(e: unknown, signal: AbortSignal, params: Record<string, unknown>): ResponseError<ErrorData> {
    const err = this.asResponseError(e, signal, params);
    const secrets = secretsOf(params);
    return new ResponseError(err.code, scrubText(err.message, secrets), err.data === undefined ? undefined : scrubValue(err.data, secrets));
  }

  private asResponseError(e: unknown, signal: AbortSignal, params: Record<string, unknown>): ResponseError<ErrorData> {
    if (e instanceof ResponseError) return e as ResponseError<ErrorData>;
    if (signal.aborted || (e instanceof OrasdError && e.code === ErrorCodes.RequestCancelled)) {
      return new ResponseError(ErrorCodes.RequestCancelled, 'request cancelled', { code: 'REQUEST_CANCELLED' });
    }
    if (e instanceof OrasdError) {
      const ref = typeof params.reference === 'string' ? params.reference : typeof params.source === 'string' ? params.source : undefined;
      if (ref) e.withContext({ reference: ref });
      return new ResponseError(e.code, e.message, e.data);
    }
    const fsErr = fromFsError(e);
    if (fsErr) return new ResponseError(fsErr.code, fsErr.message, fsErr.data);
    const message = e instanceof Error ? e.message : String(e);
    return new ResponseError(ErrorCodes.InternalError, `internal error: ${message}`, { code: 'INTERNAL_ERROR', hint: 'this is a bug in orasd; the daemon log has details' });
  }

  progress(token: string | number, value: ProgressValue): void {
    if (!this.closed) void this.connection.sendNotification('$/progress', { token, value }).catch(() => undefined);
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    this.daemon.clientClosed(this);
    this.log.debug('client disconnected');
  }

  close(): void {
    this.onClose();
    this.connection.dispose();
    this.writer.end();
  }
}
