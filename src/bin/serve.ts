import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSocketPath } from '../../protocol/endpoint';
import { Engine } from '../api/engine';
import { createLogger, type Logger } from '../log';
import { Daemon } from '../server/daemon';
import { AlreadyRunning, ensurePrivateDir, listenSocket, type SocketListener } from '../server/socket-server';
import { TempJournal, recoverTemps } from '../server/temp-journal';
import { VERSION } from '../version';

export const SERVE_USAGE = `Usage: orasd serve (--stdio | --socket [PATH]) [options]

  --stdio                 speak JSON-RPC (LSP framing) on stdin/stdout; ends when stdin closes
  --socket [PATH]         listen on a Unix socket (default: ORASD_SOCKET, $XDG_RUNTIME_DIR/orasd/orasd.sock,
                          else <tmp>/orasd-<uid>/orasd.sock); LSP or newline-delimited JSON per client
  --idle-timeout SECONDS  exit after this long without clients (default ORASD_IDLE_TIMEOUT or 0 = never)
  --log-file FILE         JSON logs to FILE instead of stderr
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

Temporary files of running operations are listed in a journal next to the socket; a daemon
serving there removes, in the background, what a daemon that died without cleaning up (kill -9)
left behind.
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
      'log-file': { type: 'string' },
      'log-level': { type: 'string' },
      'registry-timeout': { type: 'string' },
      'retry-attempts': { type: 'string' },
      'retry-delay': { type: 'string' },
      http2: { type: 'boolean' },
      'max-extract-entries': { type: 'string' },
      'max-extract-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || socket === !!values.stdio) {
    process.stderr.write(SERVE_USAGE);
    return values.help ? 0 : 2;
  }
  const idleSeconds = Number(values['idle-timeout'] ?? process.env.ORASD_IDLE_TIMEOUT ?? 0);
  if (!Number.isFinite(idleSeconds) || idleSeconds < 0) {
    process.stderr.write(`orasd: --idle-timeout must be a number of seconds, got ${values['idle-timeout']}\n`);
    return 2;
  }
  const num = (flag: string, env: string, min: number): number | undefined | Error => {
    const raw = (values as Record<string, string | undefined>)[flag] ?? process.env[env];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    return Number.isFinite(n) && n >= min ? n : new Error(`orasd: --${flag} (${env}) must be a number >= ${min}, got ${raw}\n`);
  };
  const timeout = num('registry-timeout', 'ORASD_REGISTRY_TIMEOUT', 0.001);
  const attempts = num('retry-attempts', 'ORASD_RETRY_ATTEMPTS', 1);
  const delay = num('retry-delay', 'ORASD_RETRY_DELAY', 0);
  const maxEntries = num('max-extract-entries', 'ORASD_MAX_EXTRACT_ENTRIES', 1);
  const maxBytes = num('max-extract-bytes', 'ORASD_MAX_EXTRACT_BYTES', 1);
  for (const v of [timeout, attempts, delay, maxEntries, maxBytes]) {
    if (v instanceof Error) {
      process.stderr.write(v.message);
      return 2;
    }
  }
  const log = createLogger({ ...(values['log-level'] ? { level: values['log-level'] } : {}), ...(values['log-file'] ? { file: values['log-file'] } : {}) });
  const stateDir = dirname(socketPath ?? defaultSocketPath());
  const journal = await openJournal(stateDir, log);
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
    ...(values.http2 || process.env.ORASD_HTTP2 === '1' ? { http2: true } : {}),
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
    });
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
        daemon.serve(s, s, { label: 'socket' });
      }).then(
        (listener) => {
          log.info({ version: VERSION, socket: path, idleTimeoutSeconds: idleSeconds }, 'orasd serving');
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
