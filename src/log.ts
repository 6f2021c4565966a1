import { fstatSync, renameSync, statSync } from 'node:fs';
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths pino blanks in every log record. Secrets must never reach a log line, so credentials
 * are redacted wherever they could appear in params, headers or errors.
 */
export const REDACT_PATHS = [
  'password',
  'identityToken',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  'params.password',
  'params.identityToken',
  'params.fromPassword',
  'params.toPassword',
  'params.fromIdentityToken',
  'params.toIdentityToken',
  'params.env.*',
  '*.password',
  '*.identityToken',
  '*.authorization',
  '*.Authorization',
];

/** The log of a daemon that has no terminal, in its state folder (the socket's folder). */
export const LOG_FILE_NAME = 'orasd.log';
/** Size past which the log file moves to `<file>.1` (replacing an older one) and starts anew. */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;

export interface LogOptions {
  level?: string;
  /** File to append to; default stderr (never stdout: stdout may carry the protocol). */
  file?: string;
  /** Rotation size of `file` (default ORASD_LOG_MAX_BYTES, else DEFAULT_LOG_MAX_BYTES). */
  maxBytes?: number;
}

/**
 * True when stderr goes nowhere, as for a daemon a client started in the background: its log
 * must then go to a file, or a failure nobody's error explains leaves no trace at all.
 */
export function stderrIsDevNull(): boolean {
  try {
    const err = fstatSync(2);
    const nul = statSync('/dev/null');
    return err.isCharacterDevice() && err.rdev === nul.rdev;
  } catch {
    return false;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Appends to `file`, moving it to `<file>.1` whenever it would grow past maxBytes. */
function rotatingDestination(file: string, maxBytes: number): DestinationStream {
  if (fileSize(file) >= maxBytes) renameSync(file, `${file}.1`);
  const dest = pino.destination({ dest: file, append: true, mkdir: true, sync: false });
  let size = fileSize(file);
  const write = dest.write.bind(dest);
  dest.write = (chunk: string): boolean => {
    const n = Buffer.byteLength(chunk);
    if (size > 0 && size + n > maxBytes) {
      try {
        renameSync(file, `${file}.1`);
        dest.reopen(); // lines still buffered land in the new file
        size = 0;
      } catch {
        // keep appending to the old file rather than lose lines
      }
    }
    size += n;
    return write(chunk);
  };
  return dest;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.ORASD_LOG_LEVEL ?? 'info';
  const maxBytes = opts.maxBytes ?? (Number(process.env.ORASD_LOG_MAX_BYTES) || DEFAULT_LOG_MAX_BYTES);
  const destination: DestinationStream = opts.file ? rotatingDestination(opts.file, maxBytes) : pino.destination({ fd: 2, sync: false });
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** A logger that drops everything (tests, in-process one-off runs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Removes query strings (presigned URL signatures) and userinfo from URLs before they are logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    if (u.search) u.search = '?[redacted]';
    return u.toString();
  } catch {
    return url.replace(/\?.*$/, '?[redacted]');
  }
}
