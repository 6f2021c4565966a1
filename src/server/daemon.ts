import { buildId } from '../../protocol/build';
import type { Readable, Writable } from 'node:stream';
import { ResponseError } from 'vscode-jsonrpc/node';
import { ErrorCodes, Methods, PROTOCOL_VERSION, forwardedEnv, type InitializeResult, type StatusResult } from '../../protocol';
import type { Engine } from '../api/engine';
import type { Logger } from '../log';
import { VERSION, compareVersions } from '../version';
import { ClientConnection } from './client-connection';
import type { Framing } from './frame-decoder';
import { InputBudget, defaultLimits, type ServerLimits } from './limits';
import { RequestStats } from './stats';

export interface DaemonOptions {
  engine: Engine;
  log: Logger;
  /** Exit after this long with no client connected; 0 = never. */
  idleTimeoutMs: number;
  socketPath?: string;
  /** Called once when the daemon has stopped serving and should exit. */
  onStop: (reason: string) => void;
  /** Stop accepting new clients (close the listener, free the socket path for a successor). */
  stopListening?: () => Promise<void>;
  /** Defaults: defaultLimits(). */
  limits?: ServerLimits;
  /** What status reports of the daemon's own settings. */
  settings?: StatusResult['settings'];
}

/** The process-wide state of a serving daemon: its clients, counters and lifecycle. */
export class Daemon {
  readonly engine: Engine;
  readonly log: Logger;
  readonly stats = new RequestStats();
  readonly clients = new Set<ClientConnection>();
  private clientsTotal = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  stopping = false;
  readonly limits: ServerLimits;
  /** Unfinished input held across socket connections. */
  readonly inputBudget: InputBudget;

  constructor(private readonly opts: DaemonOptions) {
    this.engine = opts.engine;
    this.log = opts.log;
    this.limits = opts.limits ?? defaultLimits();
    this.inputBudget = new InputBudget(this.limits.maxBufferedBytes);
    // Read now: a rebuild while this daemon runs rewrites dist/build-id, and this daemon must go
    // on calling itself by the build it runs, so that clients of the new build replace it.
    buildId();
    this.touch();
  }

  /** `shared`: a socket client, one of many, held to the budget and the frame timeout; stdio's one client is not. */
  serve(input: Readable, output: Writable, opts: { framing?: Framing; label: string; shared?: boolean }): ClientConnection {
    const limits = opts.shared
      ? { maxMessageBytes: this.limits.maxMessageBytes, frameTimeoutMs: this.limits.frameTimeoutMs, budget: this.inputBudget }
      : { maxMessageBytes: this.limits.maxMessageBytes, frameTimeoutMs: 0 };
    const c = new ClientConnection(this, input, output, { ...(opts.framing ? { framing: opts.framing } : {}), label: opts.label, limits });
    this.clients.add(c);
    this.clientsTotal += 1;
    this.touch();
    return c;
  }

  clientClosed(c: ClientConnection): void {
    this.clients.delete(c);
    this.touch();
  }

  /** Re-arms the idle timer: it only runs while nobody is connected. */
  touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.stopping || this.opts.idleTimeoutMs <= 0 || this.clients.size > 0) return;
    this.idleTimer = setTimeout(() => void this.shutdown(`idle for ${Math.round(this.opts.idleTimeoutMs / 1000)} s`), this.opts.idleTimeoutMs);
    this.idleTimer.unref();
  }

  async initialize(client: ClientConnection, params: Record<string, unknown>): Promise<InitializeResult> {
    client.clientName = typeof params.clientName === 'string' ? params.clientName : undefined;
    // Every later request of this connection finds credentials, helpers and config through it.
    client.env = params.env && typeof params.env === 'object' ? forwardedEnv(params.env as Record<string, string>) : undefined;
    this.checkClientVersion(params.clientVersion, params.clientBuild);
    return {
      serverName: 'orasd',
      serverVersion: VERSION,
      serverBuild: buildId(),
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
      capabilities: {
        methods: Object.values(Methods).filter((m) => m.direction === 'client→server').map((m) => m.method),
        framing: ['lsp', 'ndjson'],
        targets: ['registry', 'oci-layout'],
      },
    };
  }

  /**
   * A client newer than this daemon gets DAEMON_OUTDATED and this daemon retires: it frees the
   * socket path at once (the client starts a successor) and exits when its last client leaves.
   * An older client is served as is: it never replaces a newer daemon.
   */
  checkClientVersion(clientVersion: unknown, clientBuild?: unknown): void {
    if (typeof clientVersion === 'string' && compareVersions(clientVersion, VERSION) === 0 && typeof clientBuild === 'string' && clientBuild !== buildId()) {
      // Same version, another build (`npm run build`, a reinstall): the client's is the one to run.
      void this.retire(`client build ${clientBuild} differs from daemon build ${buildId()}`);
      throw new ResponseError(ErrorCodes.DaemonOutdated, `this daemon (orasd ${VERSION}, build ${buildId()}) is another build than the client's (${clientBuild}); it retires once its in-flight requests finish, start a new one`, {
        code: 'DAEMON_OUTDATED',
        hint: 'reconnect: the client starts a daemon of its own build',
      });
    }
    if (typeof clientVersion !== 'string' || compareVersions(clientVersion, VERSION) <= 0) return;
    void this.retire(`client ${clientVersion} is newer than daemon ${VERSION}`);
    throw new ResponseError(ErrorCodes.DaemonOutdated, `this daemon (orasd ${VERSION}) is older than the client (${clientVersion}); it is retiring, start a new one`, {
      code: 'DAEMON_OUTDATED',
      hint: 'reconnect: the client starts a current daemon',
    });
  }

  private async retire(reason: string): Promise<void> {
    if (this.stopping) return;
    this.log.info({ reason }, 'retiring');
    await this.opts.stopListening?.();
    const wait = () => {
      if (this.stats.inFlight === 0) void this.shutdown(reason);
      else setTimeout(wait, 200).unref();
    };
    wait();
  }

  status(): StatusResult {
    const r = this.engine.registries.stats();
    const mem = process.memoryUsage();
    const checks = this.engine.referrerChecks;
    return {
      version: VERSION,
      build: buildId(),
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.engine.startedAt) / 100) / 10,
      ...(this.opts.socketPath ? { socket: this.opts.socketPath } : {}),
      clients: { connected: this.clients.size, total: this.clientsTotal },
      requests: this.stats.snapshot(),
      http: { requests: r.requests, byOrigin: r.byOrigin, connections: r.connections, tokenFetches: r.tokenFetches },
      caches: { manifests: r.manifests, tags: r.tags, tokens: r.tokens, knownBlobs: r.knownBlobs },
      referrers: { checked: checks.checked, healed: checks.healed, incomplete: checks.incomplete },
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
      ...(this.opts.settings ? { settings: this.opts.settings } : {}),
    };
  }

  /** Stops accepting work, lets in-flight requests answer, closes clients and hands over to onStop. */
  async shutdown(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.log.info({ reason }, 'shutting down');
    await this.opts.stopListening?.();
    const deadline = Date.now() + 10_000;
    while (this.stats.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Give the last responses a moment to flush before the sockets go.
    await new Promise((r) => setTimeout(r, 20));
    for (const c of [...this.clients]) c.close();
    // Closing cancelled what was still running; its clean-up (temporary files) gets a moment too.
    const settle = Date.now() + 5_000;
    while (this.stats.inFlight > 0 && Date.now() < settle) await new Promise((r) => setTimeout(r, 20));
    await this.engine.close().catch(() => undefined);
    this.opts.onStop(reason);
  }
}
