/**
 * Credentials must never reach an error message, its data or a log line, even when a registry
 * (hostile or careless) echoes what it was sent: "invalid token Bearer eyJ..." in its error body
 * would otherwise travel through the error to the client and the daemon's log. The request's
 * own secrets are removed verbatim, and anything shaped like an Authorization value or a JWT.
 */
const SECRET_PARAMS = ['password', 'identityToken', 'fromPassword', 'toPassword', 'fromIdentityToken', 'toIdentityToken'];
const AUTH_VALUE = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** The literal secrets a request carries, and the forms they take on the wire (user:password in base64). */
export function secretsOf(params: Record<string, unknown> | undefined): string[] {
  if (!params || typeof params !== 'object') return [];
  const out: string[] = [];
  for (const k of SECRET_PARAMS) {
    const v = params[k];
    if (typeof v === 'string' && v.length >= 3) out.push(v);
  }
  for (const [u, p] of [
    ['username', 'password'],
    ['fromUsername', 'fromPassword'],
    ['toUsername', 'toPassword'],
  ] as const) {
    if (typeof params[p] === 'string') out.push(Buffer.from(`${typeof params[u] === 'string' ? params[u] : ''}:${params[p]}`).toString('base64'));
  }
  return out.sort((a, b) => b.length - a.length);
}

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out.replace(AUTH_VALUE, '$1 [redacted]').replace(JWT, '[redacted token]');
}

/** A deep copy of `value` with every string scrubbed (error data holds registry answers). */
export function scrubValue<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === 'string') return scrubText(value, secrets) as T;
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubValue(v, secrets, depth + 1);
  return out as T;
}
