import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, OrasdError } from '../../errors';
import type { Logger } from '../../log';
import { dockerConfigFile, helperEnv, helperEnvId, requireDockerConfigFile, type CallerEnv } from './caller-env';
import { HelperCredentialsNotFound, HelperNotFound, runHelper } from './cred-helper';

export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker's "identitytoken"). */
  identityToken?: string;
}

/** Where a request looks for credentials: an explicit config file, or the caller's environment. */
export interface CredentialSource {
  registryConfig?: string;
  /** The calling client's environment (never the daemon's): DOCKER_CONFIG, HOME, PATH for helpers. */
  env?: CallerEnv;
}

export function hasSecret(c: Credential | undefined): c is Credential {
  return !!c && !!(c.identityToken || c.username || c.password);
}

/**
 * A stable, non-reversible name for a credential, for cache keys: tokens obtained with one
 * credential must never be served to a caller holding another.
 */
export function credentialId(c: Credential | undefined): string {
  if (!hasSecret(c)) return 'anonymous';
  return createHash('sha256')
    .update(`${c.username ?? ''}\0${c.password ?? ''}\0${c.identityToken ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

/** The config file a request reads; undefined when the caller has none anywhere (anonymous). */
export function configPath(src: CredentialSource): string | undefined {
  if (src.registryConfig) return path.resolve(src.registryConfig);
  return dockerConfigFile(src.env);
}

function writableConfigPath(src: CredentialSource): string {
  return src.registryConfig ? path.resolve(src.registryConfig) : requireDockerConfigFile(src.env);
}

/** The name docker uses for a registry in config.json and with helpers. */
export function serverAddress(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

function normalizeKey(key: string): string {
  let k = key.replace(/^https?:\/\//, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') k = 'docker.io';
  return k;
}

function findKey(obj: Record<string, unknown> | undefined, registry: string): string | undefined {
  if (!obj) return undefined;
  const server = serverAddress(registry);
  if (Object.hasOwn(obj, server)) return server;
  if (Object.hasOwn(obj, registry)) return registry;
  return Object.keys(obj).find((k) => normalizeKey(k) === registry);
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [k: string]: unknown;
}

interface FileEntry {
  mtimeMs: number;
  size: number;
  checkedAt: number;
  config: DockerConfig;
}

/** How long a read of config.json is reused before its mtime is checked again. */
const FILE_RECHECK_MS = 1_000;
/** How long a helper's answer is reused: helpers are processes, far too slow to run per request. */
const HELPER_TTL_MS = 10_000;

/**
 * Docker-compatible credential lookup and storage: config.json `auths`, `credHelpers` and
 * `credsStore` with the docker-credential-* protocol. Secrets stay in memory only as long as the
 * short caches below hold them, and never reach logs.
 */
export class Credentials {
  private readonly files = new Map<string, FileEntry>();
  private readonly helperAnswers = new Map<string, { at: number; cred: Credential | undefined }>();
  /**
   * Bumped when a config file's credentials change (login/logout here, an edit seen when reading
   * it), so cache identities built on the file change too: after a logout nothing cached under
   * the login is served. The epoch moves when the map is emptied to stay bounded.
   */
  private readonly generations = new Map<string, number>();
  private epoch = 0;

  constructor(private readonly log: Logger) {}

  /**
   * Who a caller is to the registry when it names no credentials itself: its config file (as of
   * its last change) and what its helpers would see. Cache keys carry it, so nothing one caller
   * could read serves another.
   */
  sourceId(src: CredentialSource): string {
    const file = configPath(src);
    return `${this.epoch}.${file ? (this.generations.get(file) ?? 0) : 0}:${file ?? '(none)'}|${helperEnvId(src.env)}`;
  }

  private changed(file: string): void {
    if (this.generations.size >= 10_000) {
      this.generations.clear();
      this.epoch++;
    }
    this.generations.set(file, (this.generations.get(file) ?? 0) + 1);
  }

  private async readConfig(file: string, fresh = false): Promise<DockerConfig> {
    const cached = this.files.get(file);
    const now = Date.now();
    if (!fresh && cached && now - cached.checkedAt < FILE_RECHECK_MS) return cached.config;
    let st: { mtimeMs: number; size: number };
    try {
      st = await fsp.stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        if (cached && cached.mtimeMs !== -1) this.changed(file);
        this.files.set(file, { mtimeMs: -1, size: -1, checkedAt: now, config: {} });
        return {};
      }
      throw new OrasdError(ErrorCodes.FileNotFound, `cannot read docker config ${file}: ${(e as Error).message}`, { path: file });
    }
    if (!fresh && cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) {
      cached.checkedAt = now;
      return cached.config;
    }
    let config: DockerConfig;
    try {
      const text = await fsp.readFile(file, 'utf8');
      config = text.trim() ? (JSON.parse(text) as DockerConfig) : {};
      if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error('not a JSON object');
    } catch (e) {
      throw new OrasdError(ErrorCodes.InvalidArgument, `docker config ${file} is not valid JSON: ${(e as Error).message}`, { path: file });
    }
    if (cached) this.changed(file);
    this.files.set(file, { mtimeMs: st.mtimeMs, size: st.size, checkedAt: now, config });
    return config;
  }

  private helperFor(config: DockerConfig, registry: string): string | undefined {
    const k = findKey(config.credHelpers, registry);
    if (k && config.credHelpers![k]) return config.credHelpers![k];
    return config.credsStore || undefined;
  }

  private helperEnv(src: CredentialSource): Record<string, string> {
    return helperEnv(src.env);
  }

  /** Stored credentials for a registry, or undefined (anonymous). */
  async get(registry: string, src: CredentialSource): Promise<Credential | undefined> {
    const file = configPath(src);
    if (!file) return undefined;
    const config = await this.readConfig(file);
    const helper = this.helperFor(config, registry);
    if (helper) return this.fromHelper(helper, registry, file, src);
    const key = findKey(config.auths, registry);
    if (!key) return undefined;
    const entry = config.auths![key]!;
    const cred: Credential = {};
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new OrasdError(ErrorCodes.InvalidArgument, `docker config ${file}: the auth entry for ${registry} is not base64 of user:password`, { path: file, registry });
      }
      cred.username = decoded.slice(0, colon);
      cred.password = decoded.slice(colon + 1);
    }
    if (entry.username) cred.username = entry.username;
    if (entry.password) cred.password = entry.password;
    if (entry.identitytoken) cred.identityToken = entry.identitytoken;
    return hasSecret(cred) ? cred : undefined;
  }

  private async fromHelper(helper: string, registry: string, file: string, src: CredentialSource): Promise<Credential | undefined> {
    // The same file read by two callers may name a helper that answers each of them differently.
    const key = `${file}\0${helper}\0${helperEnvId(src.env)}\0${registry}`;
    const cached = this.helperAnswers.get(key);
    if (cached && Date.now() - cached.at < HELPER_TTL_MS) return cached.cred;
    let cred: Credential | undefined;
    try {
      const out = await runHelper(helper, 'get', serverAddress(registry), this.helperEnv(src));
      cred = parseHelperOutput(out, helper);
    } catch (e) {
      if (e instanceof HelperCredentialsNotFound) cred = undefined;
      else if (e instanceof HelperNotFound) {
        throw new OrasdError(ErrorCodes.CredentialHelperFailed, `credential helper docker-credential-${helper} (configured in ${file}) is not on PATH`, {
          registry,
          path: file,
          hint: `install docker-credential-${helper} or remove it from ${file}`,
        });
      } else throw e;
    }
    this.helperAnswers.set(key, { at: Date.now(), cred });
    if (this.helperAnswers.size > 1000) this.helperAnswers.delete(this.helperAnswers.keys().next().value!);
    return cred;
  }

  /** Stores credentials the docker way; returns where they went (the file, or the helper's name). */
  async store(registry: string, cred: Credential, src: CredentialSource): Promise<{ store: string }> {
    const file = writableConfigPath(src);
    const config = await this.readConfig(file, true);
    const helper = this.helperFor(config, registry);
    this.forgetHelperAnswers(registry);
    if (helper) {
      const input = JSON.stringify({
        ServerURL: serverAddress(registry),
        Username: cred.identityToken ? '<token>' : (cred.username ?? ''),
        Secret: cred.identityToken ?? cred.password ?? '',
      });
      try {
        await runHelper(helper, 'store', input, this.helperEnv(src));
      } catch (e) {
        if (e instanceof HelperNotFound) {
          throw new OrasdError(ErrorCodes.CredentialHelperFailed, `credential helper docker-credential-${helper} is not on PATH`, { registry, path: file });
        }
        throw e;
      }
      this.changed(file);
      this.log.debug({ registry, helper }, 'credentials stored through helper');
      return { store: `helper:${helper}` };
    }
    await this.updateFile(file, (cfg) => {
      const auths = (cfg.auths && typeof cfg.auths === 'object' ? cfg.auths : {}) as NonNullable<DockerConfig['auths']>;
      const key = findKey(auths, registry) ?? serverAddress(registry);
      const entry: Record<string, string> = {};
      if (cred.username || cred.password) entry.auth = Buffer.from(`${cred.username ?? ''}:${cred.password ?? ''}`).toString('base64');
      if (cred.identityToken) entry.identitytoken = cred.identityToken;
      auths[key] = entry;
      cfg.auths = auths;
      return true;
    });
    this.log.debug({ registry, file }, 'credentials stored in config file');
    return { store: `file:${file}` };
  }

  /** Removes stored credentials; NotLoggedIn when there were none. */
  async erase(registry: string, src: CredentialSource): Promise<{ store: string }> {
    const file = writableConfigPath(src);
    const config = await this.readConfig(file, true);
    const helper = this.helperFor(config, registry);
    this.forgetHelperAnswers(registry);
    const notLoggedIn = () =>
      new OrasdError(ErrorCodes.NotLoggedIn, `not logged in to ${registry}`, { registry, hint: `nothing is stored for ${registry} in ${helper ? `docker-credential-${helper}` : file}` });
    if (helper) {
      const env = this.helperEnv(src);
      try {
        // Helpers differ on erasing what is absent (some succeed silently): ask first.
        await runHelper(helper, 'get', serverAddress(registry), env);
        await runHelper(helper, 'erase', serverAddress(registry), env);
      } catch (e) {
        if (e instanceof HelperCredentialsNotFound) throw notLoggedIn();
        if (e instanceof HelperNotFound) {
          throw new OrasdError(ErrorCodes.CredentialHelperFailed, `credential helper docker-credential-${helper} is not on PATH`, { registry, path: file });
        }
        throw e;
      }
      this.changed(file);
      return { store: `helper:${helper}` };
    }
    let removed = false;
    await this.updateFile(file, (cfg) => {
      const auths = cfg.auths;
      if (!auths || typeof auths !== 'object') return false;
      for (const k of Object.keys(auths)) {
        if (k === registry || k === serverAddress(registry) || normalizeKey(k) === registry) {
          delete auths[k];
          removed = true;
        }
      }
      return removed;
    });
    if (!removed) throw notLoggedIn();
    return { store: `file:${file}` };
  }

  private forgetHelperAnswers(registry: string): void {
    for (const k of this.helperAnswers.keys()) if (k.endsWith(`\0${registry}`)) this.helperAnswers.delete(k);
  }

  /**
   * Read-modify-write of config.json that keeps every key we do not own, replaces the file
   * atomically (temp file + rename, so a crash never leaves half a file) and keeps it private.
   */
  private async updateFile(file: string, change: (cfg: DockerConfig) => boolean): Promise<void> {
    let target = file;
    try {
      target = await fsp.realpath(file);
    } catch {
      // not there yet
    }
    let cfg: DockerConfig = {};
    try {
      const text = await fsp.readFile(target, 'utf8');
      if (text.trim()) cfg = JSON.parse(text) as DockerConfig;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new OrasdError(ErrorCodes.InvalidArgument, `cannot update docker config ${file}: ${(e as Error).message}`, { path: file });
      }
    }
    if (!change(cfg)) return;
    const dir = path.dirname(target);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await fsp.writeFile(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
      await fsp.rename(tmp, target);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw new OrasdError(ErrorCodes.InvalidArgument, `cannot write docker config ${file}: ${(e as Error).message}`, { path: file });
    }
    this.files.delete(file);
    this.changed(file);
  }
}

function parseHelperOutput(out: string, helper: string): Credential | undefined {
  let j: { Username?: unknown; Secret?: unknown };
  try {
    j = JSON.parse(out) as typeof j;
  } catch {
    throw new OrasdError(ErrorCodes.CredentialHelperFailed, `docker-credential-${helper} get printed something that is not JSON`);
  }
  const username = typeof j.Username === 'string' ? j.Username : '';
  const secret = typeof j.Secret === 'string' ? j.Secret : '';
  if (!secret && !username) return undefined;
  if (username === '<token>') return { identityToken: secret };
  return { username, password: secret };
}
