/**
 * The oras command line, run inside the daemon for a launcher (cli/run) or in-process
 * (ORASD_NO_DAEMON=1). It follows oras 1.3: cobra's command lookup, pflag's flag rules, oras's
 * output and exit codes (0 success, 1 any failure, 130 when Ctrl-C cancelled the work).
 */
import type { Engine } from '../api/engine';
import { Flags, parseFlags, UsageError } from './args';
import { Context, type CommandDef } from './command';
import { rootCommand } from './commands';
import { CliError, isCancellation, renderError } from './errors';
import { helpText } from './help';
import type { CliIO } from './io';

export type { CliIO } from './io';

function findChild(def: CommandDef, name: string): CommandDef | undefined {
  return def.subcommands?.find((c) => c.name === name || c.aliases?.includes(name));
}

/** cobra's Find: leading words that name subcommands select the command. */
function locate(argv: readonly string[]): { def: CommandDef; path: string; rest: string[] } {
  let def = rootCommand;
  let path = 'oras';
  let i = 0;
  while (i < argv.length) {
    const child = findChild(def, argv[i]!);
    if (!child) break;
    def = child;
    path += ` ${child.name}`;
    i++;
  }
  return { def, path, rest: argv.slice(i) };
}

function checkArgs(c: Context): void {
  const rule = c.def.args;
  if (!rule) return;
  const n = c.args.length;
  if (rule.exact !== undefined && n !== rule.exact) throw c.argsError(rule.text, n, `exactly ${rule.exact} argument`);
  if (rule.min !== undefined && n < rule.min) throw c.argsError(rule.text, n, `at least ${rule.min} argument`);
}

/** `oras help [command...]`. */
function runHelp(io: CliIO, words: string[]): number {
  const { def, path, rest } = locate(words);
  if (rest.length) {
    // cobra's usage template: the help without its Flags section.
    io.write('stderr', `Unknown help topic [\`${rest.join(' ')}\`]\n${helpText(rootCommand, 'oras').replace(/\nFlags:\n[\s\S]*?\n\n/, '\n')}`);
    return 0;
  }
  io.write('stdout', helpText(def, path));
  return 0;
}

/** Runs one oras command line; resolves to its exit code. */
export async function runCli(engine: Engine, io: CliIO): Promise<number> {
  try {
    const argv = io.argv;
    if (argv[0] === 'help') return runHelp(io, argv.slice(1));
    const { def, path, rest } = locate(argv);
    if (!def.run) {
      // A command group: cobra rejects an unknown word at the top level and shows help below it.
      const parsed = parseFlags(rest, []);
      if (def === rootCommand && parsed.args.length && !parsed.help) {
        io.write('stderr', `Error: unknown command "${parsed.args[0]}" for "oras"\nRun 'oras --help' for usage.\n`);
        return 1;
      }
      io.write('stdout', helpText(def, path));
      return 0;
    }
    const parsed = parseFlags(rest, def.flags ?? []);
    if (parsed.help) {
      io.write('stdout', helpText(def, path));
      return 0;
    }
    for (const spec of parsed.deprecatedUsed) io.write('stderr', `Flag --${spec.name} has been deprecated, ${spec.deprecated}\n`);
    const missing = (def.required ?? []).filter((n) => !parsed.changed.has(n));
    if (missing.length) throw new UsageError(`required flag(s) ${missing.map((n) => `"${n}"`).join(', ')} not set`);
    const c = new Context(engine, io, def, path, new Flags(parsed), parsed.args);
    checkArgs(c);
    return (await def.run(c)) ?? 0;
  } catch (e) {
    if (isCancellation(e, io.signal)) return 130;
    if (!(e instanceof CliError) && !(e instanceof UsageError)) io.log.debug({ err: e }, 'oras command failed');
    io.write('stderr', renderError(e));
    return 1;
  }
}
