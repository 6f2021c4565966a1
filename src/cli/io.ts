import type { Logger } from '../log';

/**
 * What the command line needs from whoever runs it: a launcher over the protocol (cli/run) or
 * the current process (ORASD_NO_DAEMON=1). The command line itself never touches process.std*.
 */
export interface CliIO {
  /** Text for the launcher's stdout or stderr, written as is. */
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** Asks on the launcher's terminal; secret hides what is typed. */
  prompt(message: string, secret: boolean): Promise<string>;
  /** Next chunk of the launcher's stdin (for --password-stdin, `manifest push -`, `blob push -`). */
  readStdin(maxBytes: number): Promise<{ data: Buffer; eof: boolean }>;
  argv: string[];
  /** Absolute working directory of the launcher. */
  cwd: string;
  /** The launcher's relevant environment (DOCKER_CONFIG, HOME, PATH, NO_COLOR, TERM, ORAS_*). */
  env: Record<string, string>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Terminal width, 0 when unknown. */
  columns: number;
  /** Fires on Ctrl-C at the launcher (sent as $/cancelRequest). */
  signal: AbortSignal;
  log: Logger;
}
