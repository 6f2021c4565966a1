import { ErrorCodes, type ErrorData } from '../../protocol';
import { UsageError } from './args';

/** REGISTRY_PREFIX is what oras writes instead of "Error:" when the registry answered with an error. */
export const REGISTRY_PREFIX = 'Error response from registry:';

/**
 * An error as oras's command line prints it: `Error: <message>`, then optional `Usage:` and
 * recommendation lines (oras's errors.Error), exit code 1.
 */
export class CliError extends Error {
  readonly usage: string | undefined;
  readonly recommendation: string | undefined;
  readonly prefix: string;
  constructor(message: string, opts: { usage?: string; recommendation?: string; prefix?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.usage = opts.usage;
    this.recommendation = opts.recommendation;
    this.prefix = opts.prefix ?? 'Error:';
  }
}

interface EngineLikeError {
  code: number;
  message: string;
  data?: ErrorData;
}

function isEngineError(e: unknown): e is EngineLikeError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'number';
}

export function isCancellation(e: unknown, signal: AbortSignal): boolean {
  if (isEngineError(e) && e.code === ErrorCodes.RequestCancelled) return true;
  return signal.aborted && (e instanceof Error && (e.name === 'AbortError' || /cancel|abort/i.test(e.message)));
}

const NOT_FOUND = new Set(['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN']);

/**
 * An engine failure phrased as oras phrases it: answers from a registry get oras's
 * "Error response from registry:" prefix, and "does not exist" becomes `<reference>: not found`.
 * The engine's hint becomes oras's recommendation line.
 */
export function fromEngine(e: unknown, remote: boolean): unknown {
  if (!isEngineError(e) || e.code === ErrorCodes.RequestCancelled) return e;
  const data = e.data;
  const notFound = data?.code !== undefined && NOT_FOUND.has(data.code);
  const fromRegistry = remote && (data?.status !== undefined || notFound);
  const message = notFound && remote && data?.reference ? `${data.reference}: not found` : e.message;
  const out = new CliError(message, {
    ...(data?.hint ? { recommendation: capitalize(data.hint) } : {}),
    ...(fromRegistry ? { prefix: REGISTRY_PREFIX } : {}),
  });
  (out as CliError & { engineCode?: string }).engineCode = data?.code;
  return out;
}

/** oras wraps some failures with what it was doing ("failed to resolve digest: ..."). */
export function wrapError(e: unknown, what: string): unknown {
  if (e instanceof Error && !(isEngineError(e) && e.code === ErrorCodes.RequestCancelled)) e.message = `${what}: ${e.message}`;
  return e;
}

/** The text for stderr: the lines oras would print for this failure. */
export function renderError(e: unknown): string {
  if (e instanceof CliError) {
    let s = `${e.prefix} ${e.message}`;
    if (e.usage) s += `\nUsage: ${e.usage}`;
    if (e.recommendation) s += `\n${e.recommendation}`;
    return `${s}\n`;
  }
  if (e instanceof UsageError) return `Error: ${e.message}\n`;
  if (isEngineError(e)) {
    // The registry answered: oras prefixes such errors with "Error response from registry:".
    const prefix = e.data?.status !== undefined ? REGISTRY_PREFIX : 'Error:';
    let s = `${prefix} ${e.message}`;
    if (e.data?.hint) s += `\n${capitalize(e.data.hint)}`;
    return `${s}\n`;
  }
  return `Error: ${e instanceof Error ? e.message : String(e)}\n`;
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** The engine's symbolic error code (e.g. "MANIFEST_UNKNOWN"), also after fromEngine. */
export function engineCode(e: unknown): string | undefined {
  if (isEngineError(e)) return e.data?.code;
  return (e as { engineCode?: string } | undefined)?.engineCode;
}

export function isNotFoundError(e: unknown): boolean {
  const code = engineCode(e);
  return code === 'MANIFEST_UNKNOWN' || code === 'BLOB_UNKNOWN' || code === 'NAME_UNKNOWN';
}
