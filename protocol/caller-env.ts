/**
 * The caller's environment: which variables a client forwards to the daemon, so a request's
 * credentials, config files, credential helpers, proxies and certificates come from the user who
 * asked, never from whichever process happened to start the daemon. Launchers send them with every
 * `cli/run`; library clients send them once in `initialize` (`env`), and the daemon applies them to
 * every request of that connection. The C and Python launchers carry generated copies of these
 * lists (see clients/shell); a test fails when they drift.
 */

/** Variables forwarded by exact name. */
export const FORWARDED_ENV_NAMES = [
  'DOCKER_CONFIG',
  'HOME',
  'PATH',
  'USER',
  'XDG_CONFIG_HOME',
  'NO_COLOR',
  'TERM',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

/** Variables forwarded by prefix (oras's own settings). */
export const FORWARDED_ENV_PREFIXES = ['ORAS_'] as const;

export function isForwardedEnv(name: string): boolean {
  return (FORWARDED_ENV_NAMES as readonly string[]).includes(name) || FORWARDED_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/** The part of an environment a client forwards. */
export function forwardedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && isForwardedEnv(k)) out[k] = v;
  return out;
}
