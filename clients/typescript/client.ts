import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  CancellationTokenSource,
  ConnectionError,
  createMessageConnection,
  ResponseError,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { ErrorCodes, errorCodeName, forwardedEnv, Methods, MethodsByName, type ErrorData, type MethodName, type ParamsOfMethod, type ProgressValue, type ResultOfMethod } from '../../protocol';
import { daemonBuildId } from '../../protocol/build';
import { connectSocket, defaultDaemonCommand, type SpawnOptions } from './connect';
import { DrainingReader } from './draining-connection';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const CLIENT_VERSION: string = (require('../../../package.json') as { version: string }).version;

/** An error answered by the daemon: `code` from protocol/errors.ts, `data` names reference and registry. */
export class OrasdRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: ErrorData,
  ) {
    super(message);
    this.name = 'OrasdRequestError';
  }
  /** The symbolic code, e.g. "MANIFEST_UNKNOWN". */
  get codeName(): string {
    return this.data?.code ?? errorCodeName(this.code);
  }
}

export interface CallOptions {
  /** Aborting cancels the request in the daemon ($/cancelRequest): transfers stop, temp files go. */
  signal?: AbortSignal;
  /** Or a vscode-jsonrpc CancellationToken (what a VS Code extension has at hand). */
  token?: CancellationToken;
  /** Receives $/progress values for this request. */
  onProgress?: (value: ProgressValue) => void;
}

export interface ConnectOptions extends SpawnOptions {
  /** Socket path; default: ORASD_SOCKET, else the per-user default (protocol/endpoint.ts). */
  socketPath?: string;
  /** Start a daemon when none answers (default true). */
  autoSpawn?: boolean;
  clientName?: string;
  /** For tests: pretend to be this version in the handshake. */
  clientVersion?: string;
  /**
   * Whether this client may retire an older daemon (default true). Observers such as
   * `orasd daemon status` pass false so that looking at a daemon never replaces it.
   */
  replaceOutdated?: boolean;
}

let progressCounter = 0;

/** A connection whose close waits for the answers already read (draining-connection.ts). */
function messageConnection(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): { connection: MessageConnection; reader: DrainingReader } {
  const reader = new DrainingReader(input);
  return { connection: createMessageConnection(reader, new StreamMessageWriter(output), undefined, { messageStrategy: reader.strategy }), reader };
}

/** vscode-jsonrpc's code for requests still pending when their connection is disposed. */
const PENDING_RESPONSE_REJECTED = -32097;

/**
 * A typed client of the orasd protocol. Every method of protocol/methods.ts is `call(name, params)`;
 * the common ones also have named shortcuts. Events: 'progress' (token, value), 'close' (the
 * daemon went away), 'reconnect' (serverVersion).
 *
 * A client made by `connect` outlives its daemon: the next call after the daemon went away
 * connects again, starting a daemon if none answers. Requests that never reached the old daemon
 * and read-only ones (protocol/methods.ts readOnly) are sent to the new one; any other request
 * lost in flight may have taken effect, so it fails with INTERRUPTED (1202) instead of being
 * repeated.
 */
export class OrasdClient extends EventEmitter {
  private readonly progressHandlers = new Map<string | number, (v: ProgressValue) => void>();
  serverVersion = '';
  private conn!: MessageConnection;
  private closeTransport: () => void = () => undefined;
  /** How `connect` reached the daemon, to reach it again (undefined: stdio or streams). */
  private reopen?: ConnectOptions;
  private reconnecting?: Promise<void>;
  private disposed = false;

  private constructor(connection?: MessageConnection, reader?: DrainingReader, closeTransport?: () => void) {
    super();
    if (connection) this.adopt(connection, reader!, closeTransport!);
  }

  /** The current connection (replaced when the client reconnects). */
  get connection(): MessageConnection {
    return this.conn;
  }

  private adopt(connection: MessageConnection, reader: DrainingReader, closeTransport: () => void): void {
    this.conn = connection;
    this.closeTransport = closeTransport;
    connection.onNotification(Methods.progress.type, ({ token, value }) => {
      this.progressHandlers.get(token)?.(value);
      this.emit('progress', token, value);
    });
    // When the daemon goes away, requests in flight must fail rather than hang: vscode-jsonrpc
    // rejects pending requests on dispose(), not on close. Not before the answers that arrived
    // ahead of the close are delivered, though (draining-connection.ts).
    reader.whenDrained(() => {
      if (this.conn === connection && !this.disposed) this.emit('close');
      connection.dispose();
    });
    connection.listen();
  }

  /** Connects over the daemon's Unix socket, starting the daemon if needed. */
  static async connect(opts: ConnectOptions = {}): Promise<OrasdClient> {
    const client = new OrasdClient();
    await client.open(opts);
    client.reopen = opts;
    return client;
  }

  private async open(opts: ConnectOptions): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const socket = await connectSocket(opts);
      const { connection, reader } = messageConnection(socket, socket);
      this.adopt(connection, reader, () => socket.destroy());
      try {
        await this.initialize(opts);
        return;
      } catch (e) {
        this.conn.dispose();
        this.closeTransport();
        // An outdated daemon has freed the socket for a successor: start one and retry once.
        if (e instanceof OrasdRequestError && e.code === ErrorCodes.DaemonOutdated && attempt === 0) continue;
        throw e;
      }
    }
  }

  /** Replaces a lost connection with one to a live daemon; concurrent callers share one attempt. */
  private async reconnect(lost: MessageConnection): Promise<void> {
    if (this.conn !== lost) return;
    this.reconnecting ??= (async () => {
      try {
        await this.open(this.reopen!);
        this.emit('reconnect', this.serverVersion);
      } finally {
        this.reconnecting = undefined;
      }
    })();
    await this.reconnecting;
  }

  /** Starts a private daemon speaking over its stdin/stdout (no socket, ends with this client). */
  static async spawnStdio(opts: Omit<ConnectOptions, 'socketPath' | 'autoSpawn'> = {}): Promise<OrasdClient> {
    const [cmd, ...args] = opts.daemonCommand ?? defaultDaemonCommand();
    const child: ChildProcess = spawn(cmd!, [...args, 'serve', '--stdio', ...(opts.serveArgs ?? [])], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: opts.env ?? process.env,
    });
    const client = OrasdClient.fromStreams(child.stdout!, child.stdin!, () => child.kill());
    await client.initialize(opts);
    return client;
  }

  static fromStreams(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, close: () => void): OrasdClient {
    const { connection, reader } = messageConnection(input, output);
    return new OrasdClient(connection, reader, close);
  }

  private async initialize(opts: ConnectOptions): Promise<void> {
    // The daemon this client starts is this package's: one of another build gives way to it.
    const version = opts.replaceOutdated === false ? {} : { clientVersion: opts.clientVersion ?? CLIENT_VERSION, clientBuild: daemonBuildId(opts.env ?? process.env) };
    // Requests of this connection find credentials, config files and proxies through this.
    const env = forwardedEnv(opts.env ?? process.env);
    const r = await this.send(this.conn, 'initialize', { clientName: opts.clientName ?? 'orasd-ts', ...version, env }, {});
    this.serverVersion = r.serverVersion;
  }

  /** Sends any request of the protocol by its wire name ("push", "manifest/fetch"), typed from protocol/. */
  async call<N extends MethodName>(method: N, params: ParamsOfMethod<N>, opts: CallOptions = {}): Promise<ResultOfMethod<N>> {
    if (this.reconnecting) await this.reconnecting.catch(() => undefined);
    const conn = this.conn;
    try {
      return await this.send(conn, method, params, opts);
    } catch (e) {
      if (!this.reopen || this.disposed) throw e;
      // Thrown before writing (the connection was already gone), or refused by a daemon that is
      // stopping (retiring for a new build, shut down): either way it had no effect.
      const unsent = e instanceof ConnectionError || (e instanceof OrasdRequestError && e.code === ErrorCodes.ShuttingDown);
      const lost = e instanceof ResponseError && e.code === PENDING_RESPONSE_REJECTED;
      if (!unsent && !lost) throw e;
      if (lost && !MethodsByName.get(method)?.readOnly) {
        throw new OrasdRequestError(
          ErrorCodes.Interrupted,
          `${method}: the daemon went away before answering; it may or may not have taken effect, so it was not sent again`,
          {
            code: errorCodeName(ErrorCodes.Interrupted),
            hint: 'check the target (resolve, repo/tags, the files) and repeat the request if it is missing; the next call connects to a new daemon',
            detail: { method },
          },
        );
      }
      await this.reconnect(conn);
      conn.dispose();
      return await this.send(this.conn, method, params, opts);
    }
  }

  private async send<N extends MethodName>(conn: MessageConnection, method: N, params: ParamsOfMethod<N>, opts: CallOptions): Promise<ResultOfMethod<N>> {
    const spec = MethodsByName.get(method)!;
    const source = new CancellationTokenSource();
    const onAbort = () => source.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const sub = opts.token?.onCancellationRequested(onAbort);
    if (opts.signal?.aborted || opts.token?.isCancellationRequested) source.cancel();
    let progressToken: string | undefined;
    let body = params as Record<string, unknown> | null;
    if (opts.onProgress && spec.progress) {
      progressToken = `ts-${process.pid}-${++progressCounter}`;
      this.progressHandlers.set(progressToken, opts.onProgress);
      body = { ...(params as object), progressToken };
    }
    try {
      return (await conn.sendRequest(method, body, source.token)) as ResultOfMethod<N>;
    } catch (e) {
      if (e instanceof ResponseError && e.code !== PENDING_RESPONSE_REJECTED) throw new OrasdRequestError(e.code, e.message, e.data as ErrorData | undefined);
      throw e;
    } finally {
      if (progressToken) this.progressHandlers.delete(progressToken);
      opts.signal?.removeEventListener('abort', onAbort);
      sub?.dispose();
      source.dispose();
    }
  }

  push = (p: ParamsOfMethod<'push'>, o?: CallOptions) => this.call('push', p, o);
  pull = (p: ParamsOfMethod<'pull'>, o?: CallOptions) => this.call('pull', p, o);
  attach = (p: ParamsOfMethod<'attach'>, o?: CallOptions) => this.call('attach', p, o);
  discover = (p: ParamsOfMethod<'discover'>, o?: CallOptions) => this.call('discover', p, o);
  copy = (p: ParamsOfMethod<'copy'>, o?: CallOptions) => this.call('copy', p, o);
  tag = (p: ParamsOfMethod<'tag'>, o?: CallOptions) => this.call('tag', p, o);
  resolve = (p: ParamsOfMethod<'resolve'>, o?: CallOptions) => this.call('resolve', p, o);
  status = () => this.call('status', {});

  /** Closes this client's connection (the shared daemon keeps running). */
  dispose(): void {
    this.disposed = true;
    this.conn.dispose();
    this.closeTransport();
  }
}

export type { Socket };
