import type { Engine } from '../api/engine';
import { VERSION } from '../version';
import type { CliIO } from './io';

const ROOT_HELP = `Usage:
  oras [command]

Available Commands:
  version     Show the oras version information

Flags:
  -h, --help   help for oras

Use "oras [command] --help" for more information about a command.
`;

/** Runs one oras command line; resolves to its exit code. */
export async function runCli(_engine: Engine, io: CliIO): Promise<number> {
  const [cmd] = io.argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.write('stdout', ROOT_HELP);
    return 0;
  }
  if (cmd === 'version') {
    io.write('stdout', `Version:    ${VERSION}\nGo version: orasd (node ${process.version})\nOS/Arch:    ${process.platform}/${process.arch}\n`);
    return 0;
  }
  io.write('stderr', `Error: unknown command "${cmd}" for "oras"\n`);
  return 1;
}
