import { createReadStream, existsSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { LOG_FILE_NAME } from '../log';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const NAMES: Record<number, string> = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k.toUpperCase()]));
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

export const DAEMON_LOGS_USAGE = `Usage: orasd daemon logs [-f|--follow] [--level LEVEL] [--json]

Shows the daemon's log for people: one line per record, time, level, message, then its fields.
The log is ORASD_LOG_FILE when set, else orasd.log next to the daemon's socket (where a daemon
started by a client writes it; the previous one is orasd.log.1).

  -f, --follow     keep printing records as the daemon writes them (Ctrl-C ends)
  --level LEVEL    only records at LEVEL or above: trace|debug|info|warn|error (default trace)
  --json           the records as written (JSON lines), filtered by --level

Examples:
  orasd daemon logs --level warn
  orasd daemon logs -f
`;

/** One JSON log record as a line for people; other lines pass through unchanged. */
export function formatRecord(line: string, minLevel: number, json: boolean): string | undefined {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof rec.level === 'number' ? rec.level : 30;
  if (level < minLevel) return undefined;
  if (json) return line;
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString() : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${(NAMES[level] ?? String(level)).padEnd(5)} ${String(rec.msg ?? '')}${fields ? `  ${fields}` : ''}`;
}

async function printFrom(file: string, start: number, print: (line: string) => void): Promise<number> {
  const end = statSync(file).size;
  if (end <= start) return start;
  const lines = createInterface({ input: createReadStream(file, { start, end: end - 1 }) });
  for await (const line of lines) print(line);
  return end;
}

/** `orasd daemon logs`, for the daemon of `socketPath`. */
export async function daemonLogs(argv: string[], socketPath: string): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { follow: { type: 'boolean', short: 'f' }, level: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    process.stderr.write(`orasd daemon logs: ${(e as Error).message}\n${DAEMON_LOGS_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(DAEMON_LOGS_USAGE);
    return 0;
  }
  const minLevel = values.level === undefined ? 0 : LEVELS[values.level];
  if (minLevel === undefined) {
    process.stderr.write(`orasd daemon logs: unknown level ${values.level}; use trace, debug, info, warn or error\n`);
    return 2;
  }
  const file = process.env.ORASD_LOG_FILE || join(dirname(socketPath), LOG_FILE_NAME);
  if (!existsSync(file) && !values.follow) {
    process.stderr.write(`orasd: no log at ${file}; a daemon started by a client writes it there (or to ORASD_LOG_FILE), one started in a terminal logs to its stderr or --log-file\n`);
    return 1;
  }
  const print = (line: string) => {
    const out = formatRecord(line, minLevel, values.json === true);
    if (out !== undefined) process.stdout.write(`${out}\n`);
  };
  let offset = existsSync(file) ? await printFrom(file, 0, print) : 0;
  if (!values.follow) return 0;
  await new Promise<void>((resolve) => {
    let busy = false;
    watchFile(file, { interval: 250 }, async () => {
      if (busy || !existsSync(file)) return;
      busy = true;
      if (statSync(file).size < offset) offset = 0; // rotated: the new file from its start
      offset = await printFrom(file, offset, print).catch(() => offset);
      busy = false;
    });
    process.once('SIGINT', () => {
      unwatchFile(file);
      resolve();
    });
  });
  return 0;
}
