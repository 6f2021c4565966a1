import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSocketPath } from '../../protocol/endpoint';
import { Engine } from '../api/engine';
import { createLogger, LOG_FILE_NAME, stderrIsDevNull, type Logger } from '../log';
import { ConnectionLimit } from '../server/connection-limit';
import { LISTING_LIMIT_SETTINGS, type ListingLimits } from '../targets/listing-limits';
import { Daemon } from '../server/daemon';
import { MiB, defaultLimits, type ServerLimits } from '../server/limits';
import { AlreadyRunning, ensurePrivateDir, listenSocket, type SocketListener } from '../server/socket-server';
import { TempJournal, recoverTemps } from '../server/temp-journal';
import { VERSION } from '../version';
import { ConfigError, configPath, loadConfig } from './daemon-config';

export const SERVE_USAGE = `Usage: orasd serve (--stdio | --socket [PATH]) [options]

  --stdio                 speak JSON-RPC (LSP framing) on stdin/stdout; ends when stdin closes
  --socket [PATH]         listen on a Unix socket (default: ORASD_SOCKET, $XDG_RUNTIME_DIR/orasd/orasd.sock,
                          else <tmp>/orasd-<uid>/orasd.sock); LSP or newline-delimited JSON per client
  --idle-timeout SECONDS  exit after this long without clients (default ORASD_IDLE_TIMEOUT, else the
                          config file, else --idle-timeout-default, else 0 = never)
  --idle-timeout-default SECONDS  what clients pass when they start a daemon (1800): the idle timeout
                          unless ORASD_IDLE_TIMEOUT or the config file set one
  --log-file FILE         JSON logs to FILE (default ORASD_LOG_FILE; else, when stderr is
                          /dev/null as for a daemon a client started, orasd.log next to the
                          socket, rotated to orasd.log.1 past ORASD_LOG_MAX_BYTES, 10 MiB)
  --log-level LEVEL       trace|debug|info|warn|error|silent (default ORASD_LOG_LEVEL or info)
  --registry-timeout SECONDS  longest silence from a registry, before its answer or mid-body, before
                          the request fails (and is retried when safe); default ORASD_REGISTRY_TIMEOUT or 60
  --retry-attempts N      tries per idempotent registry request, the first included (default
                          ORASD_RETRY_ATTEMPTS or 4)
  --retry-delay MS        first backoff pause; it doubles per retry, with jitter, up to 25 times this
                          (default ORASD_RETRY_DELAY or 200)
  --http2                 offer HTTP/2 to registries over TLS (default ORASD_HTTP2=1, else HTTP/1.1 only)
  --max-extract-entries N most files, folders and links a pulled folder layer may unpack to, unless the
                          pull says otherwise (default ORASD_MAX_EXTRACT_ENTRIES or 1000000)
  --max-extract-bytes N   most bytes of file content a pulled folder layer may unpack to, unless the pull
                          says otherwise (default ORASD_MAX_EXTRACT_BYTES or 17179869184 = 16 GiB)

Limits that keep one client from starving the others (a client past one gets LIMIT_EXCEEDED):
  --max-connections N     socket connections at once (default ORASD_MAX_CONNECTIONS, else half the
                          open-file limit left after 64 kept for registries and files, at most 1024)
  --max-message-mib N     largest message (default ORASD_MAX_MESSAGE_MIB or 16)
  --max-buffered-mib N    unfinished messages held across all connections; past it the connection
                          holding more than 64 KiB is closed (default ORASD_MAX_BUFFERED_MIB or 64)
  --frame-timeout SECONDS a socket connection that sends no complete message this long after
                          connecting, or leaves one unfinished this long, is closed
                          (default ORASD_FRAME_TIMEOUT or 60)
  --listing-max-entries N     entries one request may read from listings: tags, repositories,
                          referrers over a whole graph walk (default ORASD_LISTING_MAX_ENTRIES or 1000000)
  --listing-max-bytes N       listing body bytes one request may read (ORASD_LISTING_MAX_BYTES, 64 MiB)
  --listing-max-page-bytes N  bytes of one listing page (ORASD_LISTING_MAX_PAGE_BYTES, 16 MiB)
  --listing-max-pages N       pages of one listing (ORASD_LISTING_MAX_PAGES, 10000)
                          Past a limit a request fails with LIMIT_EXCEEDED; requests may set their own
                          (listingLimits).

Config file: $ORASD_CONFIG, else $XDG_CONFIG_HOME/orasd/config.json, else ~/.config/orasd/config.json.
A JSON object with any of the flags above in camelCase (idleTimeout, logFile, logLevel, registryTimeout,
retryAttempts, retryDelay, http2, maxExtractEntries, maxExtractBytes, maxConnections, maxMessageMib,
maxBufferedMib, frameTimeout, listingMaxEntries, listingMaxBytes, listingMaxPageBytes, listingMaxPages)
and plainHttp: registries ("host:port", or "host" for every port) reached over plain HTTP unless a
request says plainHttp: false. A flag wins over its ORASD_* variable, which wins over the file, which
wins over the built-in default. A missing file is fine; an invalid one (schema:
protocol/config.schema.json) stops the daemon with the file, the key and the problem named.
  {"idleTimeout": 600, "logLevel": "warn", "plainHttp": ["registry.lan:5000"]}

Temporary files of running operations are listed in a journal next to the socket; a daemon
serving there removes, in the background, what a daemon that died without cleaning up (kill -9)
left behind. That folder is also the daemon's working directory, whatever folder it was started from.
Clients start a daemon when none answers, so you rarely run this yourself.

Examples:
  orasd serve --socket --idle-timeout 600 --log-level debug
  orasd serve --stdio                  # a private daemon for one client, e.g. an editor
`;

export async function serve(argv: string[]): Promise<number> {
  // "--socket" takes an optional path, which parseArgs cannot express: lift it out first.
  let socketPath: string | undefined;
  let socket = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--socket') {
      socket = true;
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        socketPath = next;
        i++;
      }
    } else if (a.startsWith('--socket=')) {
      socket = true;
      socketPath = a.slice('--socket='.length);
    } else rest.push(a);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      stdio: { type: 'boolean' },
      'idle-timeout': { type: 'string' },
      'idle-timeout-default': { type: 'string' },
      'log-file': { type: 'string' },
      'log-level': { type: 'string' },
      'registry-timeout': { type: 'string' },
      'retry-attempts': { type: 'string' },
      'retry-delay': { type: 'string' },
      http2: { type: 'boolean' },
      'max-connections': { type: 'string' },
      'max-message-mib': { type: 'string' },
      'max-buffered-mib': { type: 'string' },
      'frame-timeout': { type: 'string' },
      'max-extract-entries': { type: 'string' },
      'max-extract-bytes': { type: 'string' },
      ...Object.fromEntries(Object.values(LISTING_LIMIT_SETTINGS).map((l) => [l.flag.slice(2), { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (socket === !!values.stdio) {
    process.stderr.write(SERVE_USAGE);
    return 2;
  }
  // A flag wins over its environment variable, which wins over the config file.
  const configFile = configPath();
  let config;
  try {
    config = loadConfig(configFile);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    refuseConfig(e.message, socketPath, !!values.stdio);
    return 2;
  }
  const fromConfig = (flag: string): string | undefined => {
    const v = (config as Record<string, unknown>)[flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())];
    return v === undefined ? undefined : String(v);
  };
  const idleRaw = values['idle-timeout'] ?? (process.env.ORASD_IDLE_TIMEOUT || undefined) ?? fromConfig('idle-timeout') ?? values['idle-timeout-default'] ?? '0';
  const idleSeconds = Number(idleRaw);
  if (!Number.isFinite(idleSeconds) || idleSeconds < 0) {
    process.stderr.write(`orasd: --idle-timeout must be a number of seconds, got ${idleRaw}\n`);
    return 2;
  }
  const num = (flag: string, env: string, min: number): number | undefined | Error => {
    const raw = (values as Record<string, string | undefined>)[flag] ?? (process.env[env] || undefined) ?? fromConfig(flag);
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    return Number.isFinite(n) && n >= min ? n : new Error(`orasd: --${flag} (${env}) must be a number >= ${min}, got ${raw}\n`);
  };
  const timeout = num('registry-timeout', 'ORASD_REGISTRY_TIMEOUT', 0.001);
  const attempts = num('retry-attempts', 'ORASD_RETRY_ATTEMPTS', 1);
  const delay = num('retry-delay', 'ORASD_RETRY_DELAY', 0);
  const maxConnections = num('max-connections', 'ORASD_MAX_CONNECTIONS', 1);
  const maxMessageMiB = num('max-message-mib', 'ORASD_MAX_MESSAGE_MIB', 0.001);
  const maxBufferedMiB = num('max-buffered-mib', 'ORASD_MAX_BUFFERED_MIB', 0.001);
  const frameTimeout = num('frame-timeout', 'ORASD_FRAME_TIMEOUT', 0.001);
  const maxEntries = num('max-extract-entries', 'ORASD_MAX_EXTRACT_ENTRIES', 1);
  const maxBytes = num('max-extract-bytes', 'ORASD_MAX_EXTRACT_BYTES', 1);
  const listingLimits: Partial<ListingLimits> = {};
  for (const [name, l] of Object.entries(LISTING_LIMIT_SETTINGS) as [keyof ListingLimits, (typeof LISTING_LIMIT_SETTINGS)[keyof ListingLimits]][]) {
    const v = num(l.flag.slice(2), l.env, 1);
    if (typeof v === 'number' && !Number.isSafeInteger(v)) {
      process.stderr.write(`orasd: ${l.flag} (${l.env}) must be a whole number, got ${v}\n`);
      return 2;
    }
    if (v instanceof Error) {
      process.stderr.write(v.message);
      return 2;
    }
    if (v !== undefined) listingLimits[name] = v;
  }
  for (const v of [timeout, attempts, delay, maxConnections, maxMessageMiB, maxBufferedMiB, frameTimeout, maxEntries, maxBytes]) {
    if (v instanceof Error) {
      process.stderr.write(v.message);
      return 2;
    }
  }
  const defaults = defaultLimits();
  const limits: ServerLimits = {
    maxConnections: typeof maxConnections === 'number' ? Math.floor(maxConnections) : defaults.maxConnections,
    maxMessageBytes: typeof maxMessageMiB === 'number' ? Math.round(maxMessageMiB * MiB) : defaults.maxMessageBytes,
    maxBufferedBytes: typeof maxBufferedMiB === 'number' ? Math.round(maxBufferedMiB * MiB) : defaults.maxBufferedBytes,
    frameTimeoutMs: typeof frameTimeout === 'number' ? Math.round(frameTimeout * 1000) : defaults.frameTimeoutMs,
  };
  // Paths given relative to the folder the daemon was started from, before it leaves that folder.
  if (socketPath !== undefined || socket) socketPath = resolvePath(socketPath ?? defaultSocketPath());
  const stateDir = dirname(socketPath ?? resolvePath(defaultSocketPath()));
  // A daemon a client started has stderr on /dev/null: it logs to its state folder instead.
  const logFileOption = values['log-file'] ?? (process.env.ORASD_LOG_FILE || undefined) ?? config.logFile;
  const logFile = logFileOption ? resolvePath(logFileOption) : !values.stdio && stderrIsDevNull() ? join(stateDir, LOG_FILE_NAME) : undefined;
  const logLevel = values['log-level'] || process.env.ORASD_LOG_LEVEL || config.logLevel || 'info';
  const log = createLogger({ level: logLevel, ...(logFile ? { file: logFile } : {}) });
  const journal = await openJournal(stateDir, log);
  leaveClientFolder(journal ? stateDir : '/', log);
  // What crashed predecessors left is removed once this daemon serves, in the background: a
  // staged folder layer of a million files takes minutes to delete, and launchers waiting for
  // the socket meanwhile gave up ("did not start"). Their journals name only their own
  // temporaries, which nothing of this daemon uses; a daemon that does not get to listen (one
  // is already running) leaves them to the one that does.
  const recover = () => {
    if (journal) void recoverTemps(stateDir, log).catch((e: unknown) => log.warn({ err: e, dir: stateDir }, 'temp-file recovery failed'));
  };
  const engine = new Engine({
    log,
    ...(journal ? { temps: journal } : {}),
    ...(values.http2 || (process.env.ORASD_HTTP2 ? process.env.ORASD_HTTP2 === '1' : config.http2) ? { http2: true } : {}),
    ...(config.plainHttp?.length ? { plainHttpRegistries: config.plainHttp } : {}),
    ...(Object.keys(listingLimits).length ? { listingLimits } : {}),
    ...(typeof timeout === 'number' ? { registryTimeoutMs: Math.round(timeout * 1000) } : {}),
    extractLimits: {
      ...(typeof maxEntries === 'number' ? { maxEntries: Math.floor(maxEntries) } : {}),
      ...(typeof maxBytes === 'number' ? { maxBytes: Math.floor(maxBytes) } : {}),
    },
    ...(typeof attempts === 'number' || typeof delay === 'number'
      ? {
          retry: {
            attempts: typeof attempts === 'number' ? Math.floor(attempts) : 4,
            baseDelayMs: typeof delay === 'number' ? delay : 200,
            maxDelayMs: typeof delay === 'number' ? delay * 25 : 5_000,
          },
        }
      : {}),
  });

  // Set before the first client can connect: a client may ask the daemon to retire (a newer
  // version) the instant the socket accepts, and the socket must then be freed for a successor.
  let listening: Promise<SocketListener | undefined> = Promise.resolve(undefined);
  const stopped = new Promise<string>((resolve) => {
    const daemon = new Daemon({
      engine,
      log,
      idleTimeoutMs: socket ? idleSeconds * 1000 : 0,
      ...(socket ? { socketPath: socketPath ?? defaultSocketPath() } : {}),
      onStop: resolve,
      stopListening: async () => (await listening)?.close(),
      limits,
      settings: { ...(existsSync(configFile) ? { configFile } : {}), idleTimeoutSeconds: socket ? idleSeconds : 0, logLevel, plainHttp: config.plainHttp ?? [] },
    });
    const gate = new ConnectionLimit(limits.maxConnections, log);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void daemon.shutdown(sig));
    if (values.stdio) {
      daemon.serve(process.stdin, process.stdout, { framing: 'lsp', label: 'stdio' });
      process.stdin.once('end', () => void daemon.shutdown('stdin closed'));
      log.info({ version: VERSION, transport: 'stdio' }, 'orasd serving');
      recover();
    } else {
      const path = socketPath ?? defaultSocketPath();
      listening = listenSocket(path, (s) => {
        s.on('error', () => s.destroy());
        if (gate.admit(s)) daemon.serve(s, s, { label: 'socket', shared: true });
      }).then(
        (listener) => {
          log.info({ version: VERSION, socket: path, idleTimeoutSeconds: idleSeconds, limits }, 'orasd serving');
          recover();
          return listener;
        },
        (e) => {
          if (e instanceof AlreadyRunning) {
            process.stderr.write(`orasd: ${e.message}; not starting another one\n`);
            resolve('already running');
          } else {
            process.stderr.write(`orasd: cannot listen on ${path}: ${(e as Error).message}\n`);
            resolve('listen failed');
          }
          return undefined;
        },
      );
    }
  });
  const reason = await stopped;
  journal?.close();
  await new Promise<void>((r) => log.flush(() => r()));
  return reason === 'already running' || reason === 'listen failed' ? 1 : 0;
}

/**
 * A config file that is there but wrong stops the daemon before it serves. A daemon a client
 * started has no stderr anyone reads: the reason also goes to its log, where
 * `orasd daemon logs` shows it.
 */
function refuseConfig(message: string, socketPath: string | undefined, stdio: boolean): void {
  process.stderr.write(`orasd: ${message}\n`);
  if (stdio || !stderrIsDevNull()) return;
  const dir = dirname(resolvePath(socketPath ?? defaultSocketPath()));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    appendFileSync(join(dir, LOG_FILE_NAME), `${JSON.stringify({ level: 50, time: Date.now(), pid: process.pid, msg: `not starting: ${message}` })}\n`, { mode: 0o600 });
  } catch {
    // Nowhere to write: the client's "did not start" tells to run `orasd serve` by hand.
  }
}

/**
 * The daemon outlives the folder it was started from (a client's, perhaps a temporary one): once
 * that folder is deleted every request without `cwd` would fail ("uv_cwd"). It works in its own
 * state folder instead, or in / when it has none it can trust.
 */
function leaveClientFolder(dir: string, log: Logger): void {
  try {
    process.chdir(dir);
  } catch (e) {
    log.warn({ dir, detail: (e as Error).message }, 'cannot work in the state folder; working in /');
    process.chdir('/');
  }
}

/**
 * The temp-file journal lives in the daemon's private state folder (the socket's). A folder that
 * is not private gets no journal (and no recovery): its content could not be trusted.
 */
async function openJournal(dir: string, log: Logger): Promise<TempJournal | undefined> {
  try {
    await ensurePrivateDir(dir);
  } catch (e) {
    log.debug({ dir, detail: (e as Error).message }, 'no temp-file journal');
    return undefined;
  }
  return new TempJournal(dir, log);
}
