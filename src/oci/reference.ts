import { ErrorCodes, OrasdError } from '../errors';
import { parseDigest } from './digest';

/** A registry reference as oras writes it: `host[:port]/repo[:tag[,tag...]][@digest]`. */
export interface Reference {
  registry: string;
  repository: string;
  /** Tags given after ":" (oras allows several, comma-separated); empty when none. */
  tags: string[];
  digest?: string;
}

/** A reference into an OCI image layout folder: `path[:tag|@digest]`. */
export interface LayoutReference {
  path: string;
  tags: string[];
  digest?: string;
}

const REPO_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${REPO_COMPONENT}(?:/${REPO_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME = 255;

function invalid(raw: string, why: string): OrasdError {
  const shown = raw.length > 200 ? `${raw.slice(0, 197)}...` : raw;
  return new OrasdError(ErrorCodes.InvalidReference, `invalid reference "${shown}": ${why}`, {
    reference: shown,
    hint: 'write host[:port]/repository[:tag] or host[:port]/repository@sha256:<digest>',
  });
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidRepository(repo: string): boolean {
  return repo.length <= MAX_NAME && REPOSITORY.test(repo);
}

/** Registry hosts as URL authorities: a DNS name or IPv4 (optionally :port), or [IPv6]:port. */
function validHost(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return false;
  return true;
}

export function parseReference(raw: string): Reference {
  if (typeof raw !== 'string' || raw.length === 0) throw invalid(String(raw), 'empty reference');
  if (raw.length > 1024) throw invalid(raw, 'longer than 1024 characters');
  if (/[\s\x00-\x1f\x7f]/.test(raw)) throw invalid(raw, 'contains whitespace or control characters');
  const slash = raw.indexOf('/');
  if (slash <= 0) throw invalid(raw, 'missing repository');
  const registry = raw.slice(0, slash);
  if (!validHost(registry)) throw invalid(raw, `"${registry}" is not a registry host[:port]`);
  let rest = raw.slice(slash + 1);

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (e) {
      throw invalid(raw, (e as Error).message);
    }
  }
  let tags: string[] = [];
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tags = rest.slice(colon + 1).split(',');
    rest = rest.slice(0, colon);
    for (const t of tags) if (!isValidTag(t)) throw invalid(raw, `"${t}" is not a valid tag (letters, digits, _ . -; at most 128; not starting with . or -)`);
  }
  if (!rest) throw invalid(raw, 'missing repository');
  if (!isValidRepository(rest)) throw invalid(raw, `"${rest}" is not a valid repository name (lowercase letters, digits and separators . _ __ - /)`);
  if (registry.length + 1 + rest.length > MAX_NAME) throw invalid(raw, `registry and repository together exceed ${MAX_NAME} characters`);
  return { registry, repository: rest, tags, ...(digest ? { digest } : {}) };
}

/** The digest if given, else the first tag: what oras calls "the reference" of a target. */
export function referenceSelector(ref: { tags: string[]; digest?: string }): string | undefined {
  return ref.digest ?? ref.tags[0];
}

export function formatReference(ref: { registry: string; repository: string }, selector?: string): string {
  const base = `${ref.registry}/${ref.repository}`;
  if (!selector) return base;
  return selector.includes(':') ? `${base}@${selector}` : `${base}:${selector}`;
}

export function parseLayoutReference(raw: string): LayoutReference {
  if (typeof raw !== 'string' || raw.length === 0) throw invalid(String(raw), 'empty OCI layout path');
  if (raw.includes('\0')) throw invalid(raw, 'contains a NUL character');
  const at = raw.lastIndexOf('@');
  if (at > 0 && !raw.slice(at).includes('/')) {
    const digest = raw.slice(at + 1);
    try {
      parseDigest(digest);
    } catch (e) {
      throw invalid(raw, (e as Error).message);
    }
    return { path: raw.slice(0, at), tags: [], digest };
  }
  const colon = raw.lastIndexOf(':');
  if (colon > 0 && !raw.slice(colon).includes('/')) {
    const tags = raw.slice(colon + 1).split(',');
    for (const t of tags) if (!isValidTag(t)) throw invalid(raw, `"${t}" is not a valid tag`);
    return { path: raw.slice(0, colon), tags };
  }
  return { path: raw, tags: [] };
}

export function formatLayoutReference(path: string, selector?: string): string {
  if (!selector) return path;
  return selector.includes(':') ? `${path}@${selector}` : `${path}:${selector}`;
}

/** The fallback tag of the referrers tag schema: `sha256-<hex>` for subject `sha256:<hex>`. */
export function referrersTag(subjectDigest: string): string {
  const { algorithm, hex } = parseDigest(subjectDigest);
  return `${algorithm}-${hex}`.slice(0, 128);
}

/** True for tags that look like referrers fallback tags (hidden by `excludeDigestTags`). */
export function isDigestTag(tag: string): boolean {
  return /^(sha256-[a-f0-9]{64}|sha512-[a-f0-9]{1,121})$/.test(tag);
}
