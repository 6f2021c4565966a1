import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLIENT_REFUSAL, defaultSocketPath, MethodsByName, socketFolderProblem } from '../../protocol';
import { OrasdClient, OrasdRequestError } from '../../clients/typescript/client';
import { probeSocket } from '../server/socket-server';
import { LOG_FILE_NAME } from '../log';
import { daemonLogs } from './daemon-logs';
import { statusText } from './status-text';
import { BATCH_USAGE, callUsage, DAEMON_USAGE, wantsHelp } from './help';

function errorJson(e: unknown) {
  if (e instanceof OrasdRequestError) return { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) };
  return { code: -32603, message: (e as Error).message };
}

/** `orasd daemon status|stop|sockname`. */
export async function daemonCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(DAEMON_USAGE);
    return 0;
  }
  const path = defaultSocketPath();
  // Even probing whether a daemon answers would knock on a door someone else may have put there.
  const problem = await socketFolderProblem(dirname(path));
  if (problem) {
    process.stderr.write(`orasd: ${problem}; ${CLIENT_REFUSAL}\n`);
    return 1;
  }
  switch (argv[0]) {
    case 'sockname': {
      const c = await OrasdClient.connect({ socketPath: path, clientName: 'orasd daemon sockname' });
      c.dispose();
      process.stdout.write(`${path}\n`);
      return 0;
    }
    case 'status': {
      if ((await probeSocket(path)) !== 'live') {
        process.stderr.write(`orasd: no daemon is running on ${path}\n`);
        return 1;
      }
      // People at a terminal get a summary; scripts and pipes get JSON unless they ask otherwise.
      const fmt = argv.includes('--format') ? argv[argv.indexOf('--format') + 1] : process.stdout.isTTY ? 'text' : 'json';
      if (fmt !== 'json' && fmt !== 'text') {
        process.stderr.write(`orasd daemon status: --format takes json or text, got ${fmt ?? 'nothing'}\n`);
        return 2;
      }
      const c = await OrasdClient.connect({ socketPath: path, autoSpawn: false, replaceOutdated: false, clientName: 'orasd daemon status' });
      try {
        const status = await c.status();
        const logFile = process.env.ORASD_LOG_FILE || join(dirname(path), LOG_FILE_NAME);
        process.stdout.write(fmt === 'json' ? `${JSON.stringify(status, null, 2)}\n` : statusText(status, existsSync(logFile) ? logFile : undefined));
        return 0;
      } finally {
        c.dispose();
      }
    }
    case 'stop': {
      if ((await probeSocket(path)) !== 'live') {
        process.stderr.write(`orasd: no daemon is running on ${path}\n`);
        return 0;
      }
      const c = await OrasdClient.connect({ socketPath: path, autoSpawn: false, replaceOutdated: false, clientName: 'orasd daemon stop' });
      const { pid } = await c.status();
      await c.call('shutdown', {}).catch(() => undefined);
      c.dispose();
      // Returns only when the daemon process is gone, so a script can start a fresh one next.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          process.kill(pid, 0);
        } catch {
          return 0;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      process.stderr.write(`orasd: daemon ${pid} did not exit within 30 s\n`);
      return 1;
    }
    case 'logs':
      return daemonLogs(argv.slice(1), path);
    default:
      process.stderr.write(argv[0] ? `orasd daemon: unknown command ${argv[0]}\n\n${DAEMON_USAGE}` : DAEMON_USAGE);
      return 2;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `orasd call METHOD [JSON|-]`: one request, the JSON result on stdout. */
export async function callCommand(argv: string[]): Promise<number> {
  const [method, json] = argv;
  const usage = callUsage([...MethodsByName.values()].filter((m) => m.direction === 'client→server').map((m) => m.method));
  if (method === '--help' || method === '-h') {
    process.stdout.write(usage);
    return 0;
  }
  if (!method) {
    process.stderr.write(usage);
    return 2;
  }
  let params: unknown = {};
  try {
    if (json === '-') params = JSON.parse(await readAll(process.stdin));
    else if (json !== undefined) params = JSON.parse(json);
  } catch (e) {
    process.stderr.write(`orasd: params are not JSON: ${(e as Error).message}\n`);
    return 2;
  }
  const c = await OrasdClient.connect({ clientName: 'orasd call' });
  try {
    const result = await c.connection.sendRequest(method, params);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (e) {
    const err = errorJson(e instanceof Error && 'code' in e ? new OrasdRequestError((e as OrasdRequestError).code, e.message, (e as OrasdRequestError).data) : e);
    process.stderr.write(`${JSON.stringify({ error: err }, null, 2)}\n`);
    return 1;
  } finally {
    c.dispose();
  }
}

/**
 * `orasd batch`: newline-delimited JSON requests on stdin ({"id", "method", "params"}), all sent
 * at once over one connection; each answer printed as a JSON line as soon as it arrives.
 */
export async function batchCommand(argv: string[] = []): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(BATCH_USAGE);
    return 0;
  }
  const c = await OrasdClient.connect({ clientName: 'orasd batch' });
  let failures = 0;
  const pending: Promise<void>[] = [];
  let line = 0;
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    line += 1;
    if (!text.trim()) continue;
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(text);
    } catch (e) {
      failures += 1;
      process.stdout.write(`${JSON.stringify({ id: null, line, error: { code: -32700, message: `line ${line} is not JSON: ${(e as Error).message}` } })}\n`);
      continue;
    }
    const id = req.id ?? line;
    if (typeof req.method !== 'string') {
      failures += 1;
      process.stdout.write(`${JSON.stringify({ id, error: { code: -32600, message: `line ${line} has no "method"` } })}\n`);
      continue;
    }
    pending.push(
      c.connection.sendRequest(req.method, req.params ?? {}).then(
        (result) => void process.stdout.write(`${JSON.stringify({ id, result })}\n`),
        (e: { code?: number; message: string; data?: unknown }) => {
          failures += 1;
          process.stdout.write(`${JSON.stringify({ id, error: { code: e.code ?? -32603, message: e.message, ...(e.data ? { data: e.data } : {}) } })}\n`);
        },
      ),
    );
  }
  await Promise.all(pending);
  c.dispose();
  return failures ? 1 : 0;
}
