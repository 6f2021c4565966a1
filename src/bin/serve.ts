import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSocketPath } from '../../protocol/endpoint';
import { Engine } from '../api/engine';
import { createLogger, LOG_FILE_NAME, stderrIsDevNull, type Logger } from '../log';
import { Daemon } from '../server/daemon';
import { AlreadyRunning, ensurePrivateDir, listenSocket, type SocketListener } from '../server/socket-server';
import { TempJournal, recoverTemps } from '../server/temp-journal';
import { VERSION } from '../version';

export const SERVE_USAGE = `Usage: orasd serve (--stdio | --socket [PATH]) [options]

  --stdio                 speak JSON-RPC (LSP framing) on stdin/stdout; ends when stdin closes
  --socket [PATH]         listen on a Unix socket (default: ORASD_SOCKET, $XDG_RUNTIME_DIR/orasd/orasd.sock,
                          else <tmp>/orasd-<uid>/orasd.sock); LSP or newline-delimited JSON per client
  --idle-timeout SECONDS  exit after this long without clients (default ORASD_IDLE_TIMEOUT or 0 = never)
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

Temporary files of running operations are listed in a journal next to the socket; a daemon
starting there removes what a daemon that died without cleaning up (kill -9) left behind.
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
      'log-file': { type: 'string' },
      'log-level': { type: 'string' },
      'registry-timeout': { type: 'string' },
      'retry-attempts': { type: 'string' },
      'retry-delay': { type: 'string' },
      http2: { type: 'boolean' },
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
  for (const v of [timeout, attempts, delay]) {
    if (v instanceof Error) {
      process.stderr.write(v.message);
      return 2;
    }
  }
  // A daemon a client started has stderr on /dev/null: it logs to its state folder instead.
  const logFile = values['log-file'] ?? (process.env.ORASD_LOG_FILE || (!values.stdio && stderrIsDevNull() ? join(dirname(socketPath ?? defaultSocketPath()), LOG_FILE_NAME) : undefined));
  const log = createLogger({ ...(values['log-level'] ? { level: values['log-level'] } : {}), ...(logFile ? { file: logFile } : {}) });
  const journal = await openJournal(dirname(socketPath ?? defaultSocketPath()), log);
  const engine = new Engine({
    log,
    ...(journal ? { temps: journal } : {}),
    ...(values.http2 || process.env.ORASD_HTTP2 === '1' ? { http2: true } : {}),
    ...(typeof timeout === 'number' ? { registryTimeoutMs: Math.round(timeout * 1000) } : {}),
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
    } else {
      const path = socketPath ?? defaultSocketPath();
      listening = listenSocket(path, (s) => {
        s.on('error', () => s.destroy());
        daemon.serve(s, s, { label: 'socket' });
      }).then(
        (listener) => {
          log.info({ version: VERSION, socket: path, idleTimeoutSeconds: idleSeconds }, 'orasd serving');
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
 * The temp-file journal lives in the daemon's private state folder (the socket's). Before this
 * daemon records anything, what crashed predecessors left there is removed. A folder that is
 * not private gets no journal: its content could not be trusted.
 */
async function openJournal(dir: string, log: Logger): Promise<TempJournal | undefined> {
  try {
    await ensurePrivateDir(dir);
  } catch (e) {
    log.debug({ dir, detail: (e as Error).message }, 'no temp-file journal');
    return undefined;
  }
  await recoverTemps(dir, log).catch((e: unknown) => log.warn({ err: e, dir }, 'temp-file recovery failed'));
  return new TempJournal(dir, log);
}
