import type { ProgressValue } from '../../protocol';
import type { CallContext, Engine } from '../api/engine';
import { invoke } from '../api/invoke';
import { Flags, type FlagSpec } from './args';
import { CliError, fromEngine } from './errors';
import type { CliIO } from './io';

/** How many positional arguments a command takes, and how oras names them in its error. */
export interface ArgsCheck {
  exact?: number;
  min?: number;
  /** Completes "Please specify ... as <text>." */
  text: string;
}

export interface CommandDef {
  name: string;
  aliases?: string[];
  short: string;
  /** Help text above "Usage:"; defaults to short. */
  long?: string;
  /** The part of the usage line after the command path, e.g. `[flags] <name>`. */
  use?: string;
  flags?: FlagSpec[];
  required?: string[];
  args?: ArgsCheck;
  subcommands?: CommandDef[];
  /** Resolves to the exit code (0 when nothing is returned). */
  run?: (c: Context) => Promise<number | void>;
}

/** Everything a running command needs: its flags and arguments, the terminal, the engine. */
export class Context {
  readonly flags: Flags;
  constructor(
    readonly engine: Engine,
    readonly io: CliIO,
    readonly def: CommandDef,
    /** e.g. "oras manifest fetch". */
    readonly path: string,
    flags: Flags,
    readonly args: string[],
  ) {
    this.flags = flags;
  }

  out(text: string): void {
    this.io.write('stdout', text);
  }

  err(text: string): void {
    this.io.write('stderr', text);
  }

  /** fmt.Println: operands joined by spaces, then a newline. */
  println(...parts: (string | number)[]): void {
    this.out(`${parts.join(' ')}\n`);
  }

  /** True when progress bars go to the launcher's stderr (oras's Terminal option). */
  get tty(): boolean {
    if (!this.io.stderrIsTTY) return false;
    if (this.flags.bool('no-tty') || this.flags.bool('debug')) return false;
    return true;
  }

  get usageLine(): string {
    return `${this.path} ${this.def.use ?? ''}`.trimEnd();
  }

  callContext(progress?: (v: ProgressValue) => void): CallContext {
    return {
      log: this.io.log,
      cwd: this.io.cwd,
      env: this.io.env,
      signal: this.io.signal,
      // Temporary files of CLI-run operations go in the daemon's journal too (crash clean-up).
      ...(this.engine.temps ? { temps: this.engine.temps } : {}),
      ...(progress ? { progress } : {}),
    };
  }

  /** Calls an engine method; params are checked against the protocol schema as on the wire. */
  async call<R>(method: string, params: Record<string, unknown>, progress?: (v: ProgressValue) => void): Promise<R> {
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    try {
      return await invoke<R>(this.engine, method, clean, this.callContext(progress));
    } catch (e) {
      const remote = clean.ociLayout !== true && !(method === 'copy' && clean.fromOciLayout === true && clean.toOciLayout === true);
      throw fromEngine(e, remote);
    }
  }

  /** oras's "requires ... but got n" usage error for this command. */
  argsError(text: string, got: number, rule: string): CliError {
    return new CliError(`"${this.path}" requires ${rule} but got ${got}`, {
      usage: this.usageLine,
      recommendation: `Please specify ${rule} as ${text}. Run "${this.path} -h" for more options and examples`,
    });
  }
}
