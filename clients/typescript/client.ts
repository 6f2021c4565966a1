import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  CancellationTokenSource,
  createMessageConnection,
  ResponseError,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { ErrorCodes, errorCodeName, forwardedEnv, Methods, MethodsByName, type ErrorData, type MethodName, type ParamsOfMethod, type ProgressValue, type ResultOfMethod } from '../../protocol';
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

/**
 * A typed client of the orasd protocol. Every method of protocol/methods.ts is `call(name, params)`;
 * the common ones also have named shortcuts. Events: 'progress' (token, value), 'close'.
 */
export class OrasdClient extends EventEmitter {
  private readonly progressHandlers = new Map<string | number, (v: ProgressValue) => void>();
  serverVersion = '';

  private constructor(
    readonly connection: MessageConnection,
    reader: DrainingReader,
    private readonly closeTransport: () => void,
  ) {
    super();
    connection.onNotification(Methods.progress.type, ({ token, value }) => {
      this.progressHandlers.get(token)?.(value);
      this.emit('progress', token, value);
    });
    // When the daemon goes away, requests in flight must fail rather than hang: vscode-jsonrpc
    // rejects pending requests on dispose(), not on close. Not before the answers that arrived
    // ahead of the close are delivered, though (draining-connection.ts).
    reader.whenDrained(() => {
      this.emit('close');
      connection.dispose();
    });
    connection.listen();
  }

  /** Connects over the daemon's Unix socket, starting the daemon if needed. */
  static async connect(opts: ConnectOptions = {}): Promise<OrasdClient> {
    for (let attempt = 0; ; attempt++) {
      const socket = await connectSocket(opts);
      const client = OrasdClient.fromStreams(socket, socket, () => socket.destroy());
      try {
        await client.initialize(opts);
        return client;
      } catch (e) {
        client.dispose();
        // An outdated daemon has freed the socket for a successor: start one and retry once.
        if (e instanceof OrasdRequestError && e.code === ErrorCodes.DaemonOutdated && attempt === 0) continue;
        throw e;
      }
    }
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
    const reader = new DrainingReader(input);
    const connection = createMessageConnection(reader, new StreamMessageWriter(output), undefined, { messageStrategy: reader.strategy });
    return new OrasdClient(connection, reader, close);
  }

  private async initialize(opts: ConnectOptions): Promise<void> {
    const version = opts.replaceOutdated === false ? {} : { clientVersion: opts.clientVersion ?? CLIENT_VERSION };
    // Requests of this connection find credentials, config files and proxies through this.
    const env = forwardedEnv(opts.env ?? process.env);
    const r = await this.call('initialize', { clientName: opts.clientName ?? 'orasd-ts', ...version, env });
    this.serverVersion = r.serverVersion;
  }

  /** Sends any request of the protocol by its wire name ("push", "manifest/fetch"), typed from protocol/. */
  async call<N extends MethodName>(method: N, params: ParamsOfMethod<N>, opts: CallOptions = {}): Promise<ResultOfMethod<N>> {
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
      return (await this.connection.sendRequest(method, body, source.token)) as ResultOfMethod<N>;
    } catch (e) {
      if (e instanceof ResponseError) throw new OrasdRequestError(e.code, e.message, e.data as ErrorData | undefined);
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
    this.connection.dispose();
    this.closeTransport();
  }
}

export type { Socket };
