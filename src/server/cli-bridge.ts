import { forwardedEnv, type CliOutputParams, type CliPromptResult, type CliStdinResult } from '../../protocol';
import type { CallContext } from '../api/engine';
import type { CliIO } from '../cli/io';
import type { ClientConnection } from './client-connection';

/**
 * cli/run: the oras command line runs here, in the daemon; its output streams back to the
 * launcher as cli/output notifications, prompts and stdin reads go back as requests.
 */
export async function runCliRequest(client: ClientConnection, params: Record<string, unknown>, ctx: CallContext): Promise<{ exitCode: number }> {
  client.daemon.checkClientVersion(params.clientVersion, params.clientBuild);
  const token = params.token as string | number;
  const conn = client.connection;
  // Output notifications are queued in order on the connection; the response follows them.
  const io: CliIO = {
    write: (stream, data) => {
      if (data) void conn.sendNotification('cli/output', { token, stream, data } satisfies CliOutputParams).catch(() => undefined);
    },
    prompt: async (message, secret) => ((await conn.sendRequest('cli/prompt', { token, message, secret })) as CliPromptResult).value,
    readStdin: async (maxBytes) => {
      const r = (await conn.sendRequest('cli/stdin', { token, maxBytes })) as CliStdinResult;
      return { data: Buffer.from(r.data, 'base64'), eof: r.eof };
    },
    argv: params.argv as string[],
    cwd: params.cwd as string,
    // The launcher's own environment, else its connection's (initialize); never the daemon's.
    env: params.env ? forwardedEnv(params.env as Record<string, string>) : (ctx.env ?? {}),
    stdinIsTTY: params.stdinIsTTY === true,
    stdoutIsTTY: params.stdoutIsTTY === true,
    stderrIsTTY: params.stderrIsTTY === true,
    columns: typeof params.columns === 'number' ? params.columns : 0,
    signal: ctx.signal!,
    log: ctx.log,
  };
  // Loaded on first use: a daemon serving only programmatic clients never pays for the CLI.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require('../cli') as typeof import('../cli');
  const exitCode = await runCli(client.daemon.engine, io);
  return { exitCode };
}
