/**
 * From oras's target flags to the protocol's TargetFields: which registry or layout, how to reach
 * it, and with which credentials, with the checks and warnings oras applies to those flags.
 */
import { parseLayoutReference, parseReference } from '../oci/reference';
import type { Context } from './command';
import { CliError } from './errors';

export interface TargetRef {
  /** The reference as the user wrote it (oras's RawReference). */
  raw: string;
  /** "registry" or "oci-layout", as oras shows it in `[registry] host/repo:tag`. */
  type: 'registry' | 'oci-layout';
  /** registry/repository, or the layout folder (oras's Path). */
  path: string;
  /** The tag or digest, empty when none (oras's Reference). */
  selector: string;
  /** TargetFields for the engine. */
  fields: Record<string, unknown>;
}

const UNSUPPORTED = ['cert-file', 'key-file', 'resolve', 'header'];

/** Flags oras forbids together: "--a, --b cannot be used at the same time". */
export function exclusive(c: Context, ...names: string[]): void {
  const used = names.filter((n) => c.flags.changed(n));
  if (used.length >= 2) throw new CliError(`${used.map((n) => `--${n}`).join(', ')} cannot be used at the same time`);
}

export function rejectUnsupported(c: Context, prefix = ''): void {
  for (const n of UNSUPPORTED) {
    if (c.flags.changed(`${prefix}${n}`)) throw new CliError(`--${prefix}${n} is not supported by orasd`);
  }
}

/** Reads the launcher's stdin to the end (for --password-stdin and friends). */
export async function readAllStdin(c: Context, max = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { data, eof } = await c.io.readStdin(Math.min(1024 * 1024, max - total + 1));
    if (data.length) {
      chunks.push(data);
      total += data.length;
      if (total > max) throw new CliError(`stdin holds more than ${max} bytes`);
    }
    if (eof) break;
    if (c.io.signal.aborted) throw new CliError('context canceled');
  }
  return Buffer.concat(chunks);
}

/**
 * Credentials and transport of one side; `secret` is what --password-stdin read. As in oras, a
 * secret without a username is an identity (refresh) token.
 */
export function remoteFields(c: Context, prefix = '', secret?: string): Record<string, unknown> {
  rejectUnsupported(c, prefix);
  const f = c.flags;
  if (prefix === '') {
    exclusive(c, 'username', 'identity-token', ...(f.parsed.values.has('identity-token-stdin') ? ['identity-token-stdin'] : []));
    exclusive(
      c,
      'password',
      'identity-token',
      ...(f.parsed.values.has('identity-token-stdin') ? ['identity-token-stdin'] : []),
      ...(f.parsed.values.has('password-stdin') ? ['password-stdin'] : []),
    );
  } else {
    exclusive(c, `${prefix}username`, `${prefix}identity-token`);
    exclusive(c, `${prefix}password`, `${prefix}identity-token`);
  }
  const username = f.str(`${prefix}username`);
  let token = f.changed(`${prefix}identity-token`) ? f.str(`${prefix}identity-token`) : undefined;
  let password = f.changed(`${prefix}password`) ? f.str(`${prefix}password`) : undefined;
  if (secret !== undefined && password === undefined && token === undefined) password = secret;
  if (!username && password !== undefined && token === undefined) {
    token = password;
    password = undefined;
  }
  const configs = f.list(`${prefix}registry-config`);
  return {
    ...(f.bool(`${prefix}plain-http`) ? { plainHttp: true } : {}),
    ...(f.bool(`${prefix}insecure`) ? { insecure: true } : {}),
    ...(f.str(`${prefix}ca-file`) ? { caFile: f.str(`${prefix}ca-file`) } : {}),
    ...(username ? { username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
    ...(token !== undefined && token !== '' ? { identityToken: token } : {}),
    ...(configs.length ? { registryConfig: configs[0] } : {}),
    ...(f.parsed.values.has(`${prefix}distribution-spec`) && f.str(`${prefix}distribution-spec`)
      ? { distributionSpec: f.str(`${prefix}distribution-spec`) }
      : {}),
  };
}

/** oras warns on stderr when a secret comes from the command line. */
export function warnInsecureSecret(c: Context, prefix = ''): void {
  if (c.flags.changed(`${prefix}identity-token`)) c.err('WARNING! Using --identity-token via the CLI is insecure. Use --identity-token-stdin.\n');
  else if (c.flags.changed(`${prefix}password`)) c.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
}

/** Reads the secret for --password-stdin / --identity-token-stdin, trimming one line ending. */
export async function stdinSecret(c: Context): Promise<string | undefined> {
  const wants = c.flags.bool('password-stdin') || c.flags.bool('identity-token-stdin');
  if (!wants || c.flags.changed('password') || c.flags.changed('identity-token')) return undefined;
  const text = (await readAllStdin(c, 1024 * 1024)).toString('utf8');
  return text.replace(/\n$/, '').replace(/\r$/, '');
}

/** Parses a target argument the way oras's option.Target does, with its error texts. */
export async function parseTarget(c: Context, raw: string, prefix = '', opts: { secret?: string } = {}): Promise<TargetRef> {
  exclusive(c, `${prefix}oci-layout-path`, `${prefix}oci-layout`);
  const f = c.flags;
  if (f.bool(`${prefix}oci-layout`) || f.str(`${prefix}oci-layout-path`)) {
    if (f.list(`${prefix}header`).length) throw new CliError('custom header flags cannot be used on an OCI image layout target');
    let reference = raw;
    let path: string;
    let selector: string;
    if (f.bool(`${prefix}oci-layout`)) {
      const at = raw.lastIndexOf('@');
      if (at >= 0) {
        path = raw.slice(0, at);
        selector = raw.slice(at + 1);
      } else {
        const colon = raw.lastIndexOf(':');
        path = colon < 0 ? raw : raw.slice(0, colon);
        selector = colon < 0 ? '' : raw.slice(colon + 1);
      }
      if (!path) throw new CliError(`found empty file path in "${raw}"`);
    } else {
      path = f.str(`${prefix}oci-layout-path`);
      selector = raw;
      reference = selector ? `${path}${selector.includes(':') && /^[a-z0-9]+:/.test(selector) ? '@' : ':'}${selector}` : path;
    }
    try {
      parseLayoutReference(reference);
    } catch (e) {
      throw new CliError(`"${raw}": ${(e as Error).message}`);
    }
    return { raw, type: 'oci-layout', path, selector, fields: { reference, ociLayout: true } };
  }
  let path: string;
  let selector: string;
  try {
    const ref = parseReference(raw);
    path = `${ref.registry}/${ref.repository}`;
    selector = ref.digest ?? ref.tags.join(',');
  } catch (e) {
    throw new CliError(`"${raw}": ${(e as Error).message.replace(/^invalid reference "[^"]*": /, 'invalid reference: ')}`, {
      recommendation: 'Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]',
    });
  }
  warnInsecureSecret(c, prefix);
  const secret = prefix === '' ? (opts.secret ?? (await stdinSecret(c))) : undefined;
  return { raw, type: 'registry', path, selector, fields: { reference: raw, ...remoteFields(c, prefix, secret) } };
}

/** oras's EnsureReferenceNotEmpty. */
export function ensureSelector(c: Context, t: TargetRef, allowTag = true): void {
  if (t.selector) return;
  const form = allowTag ? '"<name>:<tag>" or "<name>@<digest>"' : '"<name>@<digest>"';
  throw new CliError(`"${t.raw}": ${allowTag ? 'no tag or digest specified' : 'no digest specified'}`, {
    usage: c.usageLine,
    recommendation: `Please specify a reference in the form of ${form}. Run "${c.path} -h" for more options and examples`,
  });
}

/** `[registry] host/repo:tag` as oras prints targets. */
export function display(t: { type: string; raw: string }): string {
  return `[${t.type}] ${t.raw}`;
}
