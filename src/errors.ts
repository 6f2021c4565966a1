import { ErrorCodes, errorCodeName, type ErrorCode, type ErrorData } from '../protocol/errors';

export { ErrorCodes };

/**
 * The one error type every layer throws. It carries a protocol error code and the context a
 * person needs (reference, registry, hint), and becomes a JSON-RPC error at the server unchanged.
 * Messages never contain secrets: callers pass references and hosts, never credentials.
 */
export class OrasdError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData;

  constructor(code: ErrorCode, message: string, data: Omit<ErrorData, 'code'> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrasdError';
    this.code = code;
    this.data = { code: errorCodeName(code), ...data };
  }

  /** Adds context known higher up (e.g. the user's reference) without losing what is already there. */
  withContext(data: Omit<ErrorData, 'code'>): this {
    for (const [k, v] of Object.entries(data)) {
      if (v !== undefined && (this.data as unknown as Record<string, unknown>)[k] === undefined) {
        (this.data as unknown as Record<string, unknown>)[k] = v;
      }
    }
    return this;
  }

  is(code: ErrorCode): boolean {
    return this.code === code;
  }
}

export function isOrasdError(e: unknown, code?: ErrorCode): e is OrasdError {
  return e instanceof OrasdError && (code === undefined || e.code === code);
}

/** True for the "does not exist" family, whatever the target. */
export function isNotFound(e: unknown): boolean {
  return (
    e instanceof OrasdError &&
    (e.code === ErrorCodes.ManifestUnknown || e.code === ErrorCodes.BlobUnknown || e.code === ErrorCodes.NameUnknown)
  );
}

/** The abort reason of a cancelled request, turned into the protocol's cancellation error. */
export function cancelled(what = 'request'): OrasdError {
  return new OrasdError(ErrorCodes.RequestCancelled, `${what} cancelled`);
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw cancelled(what);
}
