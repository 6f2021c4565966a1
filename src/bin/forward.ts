import { buildId } from '../../protocol/build';
import { openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ReadStream, WriteStream } from 'node:tty';
import { Writable } from 'node:stream';
import { CancellationTokenSource, createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { ErrorCodes, forwardedEnv as forwardProtocolEnv, type CliOutputParams, type CliPromptParams, type CliStdinParams } from '../../protocol';
import { connectSocket } from '../../clients/typescript/connect';
import { Engine } from '../api/engine';
import { runCli } from '../cli';
import type { CliIO } from '../cli/io';
import { createLogger } from '../log';
import { VERSION } from '../version';

/** Environment a launcher forwards with cli/run (protocol/caller-env.ts). */
export function forwardedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return forwardProtocolEnv(env);
}

/** Reads stdin in bounded chunks on demand (nothing is read unless the command asks). */
export class StdinChunks {
  private iter: AsyncIterator<Buffer> | undefined;
  private rest: Buffer = Buffer.alloc(0);
  private ended = false;
  async read(max: number): Promise<{ data: Buffer; eof: boolean }> {
    this.iter ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    while (this.rest.length === 0 && !this.ended) {
      const r = await this.iter.next();
      if (r.done) this.ended = true;
      else this.rest = Buffer.from(r.value);
    }
    const data = this.rest.subarray(0, max);
    this.rest = this.rest.subarray(data.length);
    return { data, eof: this.ended && this.rest.length === 0 };
  }

  /** One line (without its line ending); what follows stays for later reads. */
  async readLine(): Promise<string> {
    this.iter ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (;;) {
      const nl = this.rest.indexOf(0x0a);
      if (nl >= 0 || this.ended) {
        const end = nl >= 0 ? nl : this.rest.length;
        const line = this.rest.subarray(0, end).toString('utf8').replace(/\r$/, '');
        this.rest = this.rest.subarray(Math.min(end + 1, this.rest.length));
        return line;
      }
      const r = await this.iter.next();
      if (r.done) this.ended = true;
      else this.rest = Buffer.concat([this.rest, Buffer.from(r.value)]);
    }
  }
}

/**
 * Asks on the controlling terminal (/dev/tty, as oras does), never on stdin: stdin may carry
 * data the command reads later. With secret, what is typed is not echoed.
 */
export async function promptTTY(message: string, secret: boolean, stdin: StdinChunks): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    // No terminal (a script, CI): ask on stderr and take one line of stdin, like the other launchers.
    process.stderr.write(message);
    const line = await stdin.readLine();
    if (secret) process.stderr.write('\n');
    return line;
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  let muted = false;
  const echo = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) output.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input, output: echo, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(message, (answer) => resolve(answer));
      rl.once('SIGINT', () => reject(Object.assign(new Error('interrupted'), { code: 'SIGINT' })));
      muted = secret;
    });
  } finally {
    rl.close();
    if (secret) output.write('\n');
    input.destroy();
  }
}

/** Runs an oras command line in the daemon (starting one if needed), streaming its output here. */
export async function forward(argv: string[]): Promise<number> {
  if (process.env.ORASD_NO_DAEMON === '1') return runInProcess(argv);
  for (let attempt = 0; ; attempt++) {
    const socket = await connectSocket({});
    const conn = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    const stdin = new StdinChunks();
    conn.onNotification('cli/output', (p: CliOutputParams) => {
      (p.stream === 'stdout' ? process.stdout : process.stderr).write(p.data);
    });
    conn.onRequest('cli/prompt', async (p: CliPromptParams) => ({ value: await promptTTY(p.message, p.secret, stdin) }));
    conn.onRequest('cli/stdin', async (p: CliStdinParams) => {
      const r = await stdin.read(p.maxBytes);
      return { data: r.data.toString('base64'), eof: r.eof };
    });
    conn.listen();
    const cancel = new CancellationTokenSource();
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
      cancel.cancel();
    };
    process.on('SIGINT', onSigint);
    try {
      const r = (await conn.sendRequest(
        'cli/run',
        {
          token: 1,
          argv,
          cwd: process.cwd(),
          env: forwardedEnv(),
          stdinIsTTY: process.stdin.isTTY === true,
          stdoutIsTTY: process.stdout.isTTY === true,
          stderrIsTTY: process.stderr.isTTY === true,
          columns: process.stderr.columns ?? process.stdout.columns ?? 0,
          clientVersion: VERSION,
          clientBuild: buildId(),
        },
        cancel.token,
      )) as { exitCode: number };
      // Interrupted is 130 whatever the command managed meanwhile, as for a killed oras.
      return interrupted ? 130 : r.exitCode;
    } catch (e) {
      if (e instanceof ResponseError && e.code === ErrorCodes.DaemonOutdated && attempt === 0) continue;
      if (e instanceof ResponseError && e.code === ErrorCodes.RequestCancelled) return 130;
      process.stderr.write(`Error: ${(e as Error).message}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onSigint);
      conn.dispose();
      socket.destroy();
    }
  }
}

/** ORASD_NO_DAEMON=1: the engine runs in this process for one command, then exits. */
export async function runInProcess(argv: string[]): Promise<number> {
  const log = createLogger({ level: process.env.ORASD_LOG_LEVEL ?? 'warn' });
  const engine = new Engine({ log });
  const stdin = new StdinChunks();
  const ctrl = new AbortController();
  process.once('SIGINT', () => ctrl.abort());
  const io: CliIO = {
    write: (stream, text) => void (stream === 'stdout' ? process.stdout : process.stderr).write(text),
    prompt: (message, secret) => promptTTY(message, secret, stdin),
    readStdin: (max) => stdin.read(max),
    argv,
    cwd: process.cwd(),
    env: forwardedEnv(),
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns ?? 0,
    signal: ctrl.signal,
    log,
  };
  try {
    return await runCli(engine, io);
  } finally {
    await engine.close();
  }
}
