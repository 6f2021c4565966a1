/**
 * A CliIO held in memory: runs the command line in-process with given stdin and prompt answers
 * and collects what it writes. For embedding the command line and for tests.
 */
import type { Engine } from '../api/engine';
import type { Logger } from '../log';
import { runCli } from './index';
import type { CliIO } from './io';

export interface MemoryRunOptions {
  cwd: string;
  env?: Record<string, string>;
  stdin?: string | Buffer;
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  columns?: number;
  /** Answers to io.prompt, in order. */
  answers?: string[];
  signal?: AbortSignal;
  log: Logger;
}

export interface MemoryRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Prompts asked, with whether they were secret. */
  prompts: { message: string; secret: boolean }[];
}

export function memoryIO(argv: string[], opts: MemoryRunOptions): { io: CliIO; result: () => Omit<MemoryRun, 'code'> } {
  let stdout = '';
  let stderr = '';
  let stdin = Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin ?? '', 'utf8');
  const answers = [...(opts.answers ?? [])];
  const prompts: MemoryRun['prompts'] = [];
  const io: CliIO = {
    write: (stream, text) => {
      if (stream === 'stdout') stdout += text;
      else stderr += text;
    },
    prompt: async (message, secret) => {
      prompts.push({ message, secret });
      return answers.shift() ?? '';
    },
    readStdin: async (maxBytes) => {
      const data = stdin.subarray(0, maxBytes);
      stdin = stdin.subarray(data.length);
      return { data, eof: stdin.length === 0 };
    },
    argv,
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdinIsTTY: opts.stdinIsTTY ?? false,
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    columns: opts.columns ?? 0,
    signal: opts.signal ?? new AbortController().signal,
    log: opts.log,
  };
  return { io, result: () => ({ stdout, stderr, prompts }) };
}

/** Runs one command line against an engine and returns its exit code and output. */
export async function runCliInMemory(engine: Engine, argv: string[], opts: MemoryRunOptions): Promise<MemoryRun> {
  const { io, result } = memoryIO(argv, opts);
  const code = await runCli(engine, io);
  return { code, ...result() };
}
