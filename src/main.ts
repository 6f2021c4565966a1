#!/usr/bin/env node
/**
 * The `orasd` command: `serve` runs the daemon; `daemon`, `call` and `batch` talk to it; every
 * other command is an oras command line, forwarded to the daemon (which runs it) like nailgun.
 */
import { batchCommand, callCommand, daemonCommand } from './bin/client-commands';
import { forward } from './bin/forward';
import { serve } from './bin/serve';

async function main(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case 'serve':
      return serve(argv.slice(1));
    case 'daemon':
      return daemonCommand(argv.slice(1));
    case 'call':
      return callCommand(argv.slice(1));
    case 'batch':
      return batchCommand();
    default:
      return forward(argv);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Streams flush, then exit even if a socket or timer lingers.
    setImmediate(() => process.exit(code));
  },
  (e: Error) => {
    process.stderr.write(`orasd: ${e.message}\n`);
    process.exit(1);
  },
);
