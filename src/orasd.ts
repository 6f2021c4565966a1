/**
 * The `orasd` command: `serve` runs the daemon; `daemon`, `cache`, `call` and `batch` talk to it; every
 * other command is an oras command line, forwarded to the daemon (which runs it) like nailgun.
 */
// Each command requires only what it needs: startup time is what a launcher pays per call.
/* eslint-disable @typescript-eslint/no-require-imports */

async function main(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case 'serve':
      return (require('./bin/serve') as typeof import('./bin/serve')).serve(argv.slice(1));
    case 'daemon':
      return (require('./bin/client-commands') as typeof import('./bin/client-commands')).daemonCommand(argv.slice(1));
    case 'cache':
      return (require('./bin/cache-command') as typeof import('./bin/cache-command')).cacheCommand(argv.slice(1));
    case 'call':
      return (require('./bin/client-commands') as typeof import('./bin/client-commands')).callCommand(argv.slice(1));
    case 'batch':
      return (require('./bin/client-commands') as typeof import('./bin/client-commands')).batchCommand(argv.slice(1));
    case '--help':
    case '-h':
    case 'help':
      // `orasd help push` is oras's help for push; alone, orasd explains itself, except when the
      // `oras` shim runs this file (ORASD_AS_ORAS): `oras --help` is oras's help.
      if (argv.length === 1 && process.env.ORASD_AS_ORAS !== '1') {
        process.stdout.write((require('./bin/help') as typeof import('./bin/help')).ORASD_USAGE);
        return 0;
      }
      return (require('./bin/forward') as typeof import('./bin/forward')).forward(argv);
    default:
      return (require('./bin/forward') as typeof import('./bin/forward')).forward(argv);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit once stdout and stderr have drained (a pipe may still hold output), even if a socket
    // or timer lingers.
    let pending = 2;
    const done = () => --pending === 0 && process.exit(code);
    process.stdout.write('', done);
    process.stderr.write('', done);
  },
  (e: Error) => {
    process.stderr.write(`orasd: ${e.message}\n`);
    process.exit(1);
  },
);
