import { ErrorCodes, OciErrorCodes, type ErrorCode } from '../../../protocol/errors';
import { OrasdError } from '../../errors';

/** What a request was about: decides how a bare 404 reads and what goes into error data. */
export type Subject = 'manifest' | 'blob' | 'repository' | 'upload' | 'registry';

export interface ErrorContext {
  registry: string;
  /** host/repo[:tag|@digest], never with credentials. */
  reference: string;
  subject: Subject;
}

export interface OciError {
  code: string;
  message?: string;
  detail?: unknown;
}

export const loginHint = (registry: string) => `run \`oras login ${registry}\` or pass username/password`;

/** Reads `{"errors":[...]}`; anything else (HTML from a proxy, plain text) yields []. */
export function parseOciErrors(body: string): OciError[] {
  try {
    const j = JSON.parse(body) as { errors?: unknown };
    if (!j || !Array.isArray(j.errors)) return [];
    return j.errors
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
      .map((e) => ({
        code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
        ...(typeof e.message === 'string' ? { message: e.message } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      }));
  } catch {
    return [];
  }
}

function notFoundCode(subject: Subject): ErrorCode {
  if (subject === 'blob' || subject === 'upload') return ErrorCodes.BlobUnknown;
  if (subject === 'manifest') return ErrorCodes.ManifestUnknown;
  return ErrorCodes.NameUnknown;
}

function describe(subject: Subject): string {
  return subject === 'upload' ? 'blob upload' : subject;
}

/**
 * A registry's error answer as an OrasdError. Status decides the family (401/403/404/429 have
 * fixed meanings for a client); the registry's own code refines it when it says more.
 */
export function registryError(status: number, body: string, ctx: ErrorContext): OrasdError {
  const errors = parseOciErrors(body);
  const first = errors[0];
  const ociCode = first ? OciErrorCodes[first.code.toUpperCase()] : undefined;
  const said = errors
    .map((e) => e.message ?? e.code)
    .filter(Boolean)
    .join('; ');
  const data = { registry: ctx.registry, reference: ctx.reference, status, ...(errors.length ? { detail: { errors } } : {}) };

  if (status === 401) {
    return new OrasdError(ErrorCodes.Unauthorized, `${ctx.reference}: unauthorized${said ? ` (${said})` : ''}`, {
      ...data,
      hint: loginHint(ctx.registry),
    });
  }
  if (status === 403) {
    return new OrasdError(ErrorCodes.Denied, `${ctx.reference}: access denied${said ? ` (${said})` : ''}`, {
      ...data,
      hint: 'the credentials in use lack permission for this operation',
    });
  }
  if (status === 429) {
    return new OrasdError(ErrorCodes.TooManyRequests, `${ctx.reference}: too many requests${said ? ` (${said})` : ''}`, {
      ...data,
      hint: 'the registry is rate limiting; retry later',
    });
  }
  if (status === 404) {
    const code = ociCode ?? notFoundCode(ctx.subject);
    return new OrasdError(code, `${ctx.reference}: ${said || `${describe(ctx.subject)} not found`}`, data);
  }
  if (ociCode !== undefined) return new OrasdError(ociCode, `${ctx.reference}: ${said}`, data);
  if (status === 405) {
    return new OrasdError(ErrorCodes.Unsupported, `${ctx.reference}: the registry does not support this operation (405)`, data);
  }
  if (status === 413) {
    return new OrasdError(ErrorCodes.SizeInvalid, `${ctx.reference}: the registry refused the content as too large (413)`, data);
  }
  return new OrasdError(
    ErrorCodes.RegistryError,
    `${ctx.reference}: registry answered ${status}${said ? ` (${said})` : body && !errors.length ? ` (${clip(body)})` : ''}`,
    data,
  );
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 197)}...` : one;
}
