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

export interface LogOptions {
  level?: string;
  /** File to append to; default stderr (never stdout: stdout may carry the protocol). */
  file?: string;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.ORASD_LOG_LEVEL ?? 'info';
  const destination: DestinationStream = opts.file
    ? pino.destination({ dest: opts.file, append: true, mkdir: true, sync: false })
    : pino.destination({ fd: 2, sync: false });
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
