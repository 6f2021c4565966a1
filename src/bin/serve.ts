import { parseArgs } from 'node:util';
import { defaultSocketPath } from '../../protocol/endpoint';
import { Engine } from '../api/engine';
import { createLogger } from '../log';
import { Daemon } from '../server/daemon';
import { AlreadyRunning, listenSocket } from '../server/socket-server';
import { VERSION } from '../version';

export const SERVE_USAGE = `Usage: orasd serve (--stdio | --socket [PATH]) [options]

  --stdio                 speak JSON-RPC (LSP framing) on stdin/stdout; ends when stdin closes
  --socket [PATH]         listen on a Unix socket (default: ORASD_SOCKET, $XDG_RUNTIME_DIR/orasd/orasd.sock,
                          else <tmp>/orasd-<uid>/orasd.sock); LSP or newline-delimited JSON per client
  --idle-timeout SECONDS  exit after this long without clients (default ORASD_IDLE_TIMEOUT or 0 = never)
  --log-file FILE         JSON logs to FILE instead of stderr
  --log-level LEVEL       trace|debug|info|warn|error|silent (default ORASD_LOG_LEVEL or info)
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
  const log = createLogger({ ...(values['log-level'] ? { level: values['log-level'] } : {}), ...(values['log-file'] ? { file: values['log-file'] } : {}) });
  const engine = new Engine({ log });

  let stopListening: (() => Promise<void>) | undefined;
  const stopped = new Promise<string>((resolve) => {
    const daemon = new Daemon({
      engine,
      log,
      idleTimeoutMs: socket ? idleSeconds * 1000 : 0,
      ...(socket ? { socketPath: socketPath ?? defaultSocketPath() } : {}),
      onStop: resolve,
      stopListening: () => stopListening?.() ?? Promise.resolve(),
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void daemon.shutdown(sig));
    if (values.stdio) {
      daemon.serve(process.stdin, process.stdout, { framing: 'lsp', label: 'stdio' });
      process.stdin.once('end', () => void daemon.shutdown('stdin closed'));
      log.info({ version: VERSION, transport: 'stdio' }, 'orasd serving');
    } else {
      const path = socketPath ?? defaultSocketPath();
      listenSocket(path, (s) => {
        s.on('error', () => s.destroy());
        daemon.serve(s, s, { label: 'socket' });
      }).then(
        (listener) => {
          stopListening = listener.close;
          log.info({ version: VERSION, socket: path, idleTimeoutSeconds: idleSeconds }, 'orasd serving');
        },
        (e) => {
          if (e instanceof AlreadyRunning) {
            process.stderr.write(`orasd: ${e.message}; not starting another one\n`);
            resolve('already running');
          } else {
            process.stderr.write(`orasd: cannot listen on ${path}: ${(e as Error).message}\n`);
            resolve('listen failed');
          }
        },
      );
    }
  });
  const reason = await stopped;
  await new Promise<void>((r) => log.flush(() => r()));
  return reason === 'already running' || reason === 'listen failed' ? 1 : 0;
}
