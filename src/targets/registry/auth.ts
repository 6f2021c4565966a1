import { LRUCache } from 'lru-cache';
import { SharedFlight } from '../../cache/shared-flight';
import { ErrorCodes, OrasdError } from '../../errors';
import { redactUrl, type Logger } from '../../log';
import { parseChallenges, pickChallenge } from './challenge';
import { credentialId, hasSecret, type Credential } from './credentials';
import { registryError, loginHint } from './errors';
import { readErrorBody, readLimited, type Http, type TlsOptions } from './http';
import { isLoopbackHost } from './options';
import { cleanScopes } from './scopes';
import { RETRYABLE_STATUS, delayFor, isRetryable, sleep, type RetryPolicy } from './retry';
import { TokenCache } from './token-cache';

/** The registry side of one authenticated conversation. */
export interface AuthTarget {
  registry: string;
  /** scheme://host[:port] the requests go to. */
  origin: string;
  tls: TlsOptions;
  loopback: boolean;
  credential(): Promise<Credential | undefined>;
}

/** What was sent on an attempt, so a 401 can tell a stale token from missing credentials. */
export interface Attempt {
  header?: string;
  tokenKey?: string;
}

interface Scheme {
  /** 'none': the registry answered without asking for credentials. */
  scheme: 'none' | 'basic' | 'bearer';
  realm?: string;
  service?: string;
}

const CLIENT_ID = 'orasd';

/**
 * Whether credentials may go in clear text to a plain-HTTP realm: when realm and registry are both
 * on this machine (nothing crosses a network), or the realm is on the host the caller already
 * talks plain HTTP to. Never to another host because the registry said so: a remote registry may
 * not steer them to this machine's services either.
 */
function clearTextAllowed(t: AuthTarget, realm: URL): boolean {
  const registry = new URL(t.origin);
  if (registry.protocol === 'http:' && registry.hostname === realm.hostname) return true;
  return t.loopback && isLoopbackHost(realm.host);
}

/** Basic needs a username/password; an identity token alone only works with Bearer. */
function canBasic(c: Credential | undefined): c is Credential {
  return hasSecret(c) && !!(c.username || c.password);
}

function basic(c: Credential): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/**
 * Answers registry challenges the way docker and oras-go do: anonymous first; then Basic, or a
 * Bearer token from the realm (GET with Basic credentials, or the OAuth2 refresh-token POST when
 * holding an identity token). The scheme a registry asked for is remembered, so warm requests
 * carry their Authorization header from the start.
 */
export class Auth {
  private readonly schemes = new LRUCache<string, Scheme>({ max: 1_000 });
  private readonly flight = new SharedFlight<string>();
  /** Origins whose scheme the first request is finding out; the others wait for its answer. */
  private readonly learning = new Map<string, Promise<void>>();
  tokenFetches = 0;

  constructor(
    private readonly http: Http,
    readonly tokens: TokenCache,
    private readonly log: Logger,
    private readonly retry: RetryPolicy,
  ) {}

  /**
   * Before the first request to an origin whose scheme is unknown: the first caller goes ahead
   * (and must call the returned release once its answer is known); concurrent callers wait for
   * it, so a burst of first requests makes one 401 round trip, not one each.
   */
  async gate(origin: string): Promise<(() => void) | undefined> {
    if (this.schemes.has(origin)) return undefined;
    const pending = this.learning.get(origin);
    if (pending) {
      await pending;
      return undefined;
    }
    let done!: () => void;
    const p = new Promise<void>((r) => (done = r));
    this.learning.set(origin, p);
    return () => {
      if (this.learning.get(origin) === p) this.learning.delete(origin);
      done();
    };
  }

  /** The registry answered a request sent without credentials: remember it does not ask for any. */
  noAuthNeeded(origin: string): void {
    if (!this.schemes.has(origin)) this.schemes.set(origin, { scheme: 'none' });
  }

  /** Authorization for a first attempt; none while the registry has not challenged us yet. */
  async upfront(t: AuthTarget, scopes: string[], signal?: AbortSignal): Promise<Attempt> {
    const s = this.schemes.get(t.origin);
    if (!s || s.scheme === 'none') return {};
    const cred = await t.credential();
    if (s.scheme === 'basic') return canBasic(cred) ? { header: basic(cred) } : {};
    if (!s.realm) return {};
    const wanted = cleanScopes(scopes);
    const key = TokenCache.key(t.registry, credentialId(cred), wanted);
    const cached = this.tokens.get(key);
    if (cached) return { header: `Bearer ${cached}`, tokenKey: key };
    // A token for more (pull,push) serves a request that needs less (pull): no second token.
    const covering = this.tokens.findCovering(t.registry, credentialId(cred), wanted);
    if (covering) return { header: `Bearer ${covering.token}`, tokenKey: covering.key };
    // The realm is known: fetching the token now saves the 401 round trip.
    const token = await this.token(t, s, wanted, cred, key, signal);
    return { header: `Bearer ${token}`, tokenKey: key };
  }

  /**
   * After a 401: learns the challenge and returns what to send on the one retry, or undefined
   * when there is nothing better to send (the caller then reports Unauthorized).
   */
  async answer(t: AuthTarget, wwwAuthenticate: string | string[] | undefined, scopes: string[], previous: Attempt, signal?: AbortSignal, fresh = false): Promise<Attempt | undefined> {
    const ch = pickChallenge(parseChallenges(wwwAuthenticate));
    if (previous.tokenKey) this.tokens.delete(previous.tokenKey);
    if (!ch) return undefined;
    const cred = await t.credential();
    if (ch.scheme === 'basic') {
      this.schemes.set(t.origin, { scheme: 'basic' });
      if (!canBasic(cred)) return undefined;
      const h = basic(cred);
      return h === previous.header ? undefined : { header: h };
    }
    const realm = ch.params.realm;
    if (!realm) {
      throw new OrasdError(ErrorCodes.RegistryError, `registry ${t.registry} sent a Bearer challenge without a realm`, { registry: t.registry, status: 401 });
    }
    const scheme: Scheme = { scheme: 'bearer', realm, ...(ch.params.service !== undefined ? { service: ch.params.service } : {}) };
    this.schemes.set(t.origin, scheme);
    const wanted = cleanScopes([...scopes, ...(ch.params.scope ? [ch.params.scope] : [])]);
    const key = TokenCache.key(t.registry, credentialId(cred), wanted);
    // A token another request stored meanwhile is fine, unless it is the one just refused.
    let token = fresh || previous.tokenKey === key ? undefined : this.tokens.get(key);
    if (!token) token = await this.token(t, scheme, wanted, cred, key, signal, fresh);
    // Also file it under the scopes the caller asks with, so its next request finds it up front.
    const askedKey = TokenCache.key(t.registry, credentialId(cred), cleanScopes(scopes));
    if (askedKey !== key && !fresh) this.tokens.set(askedKey, token, undefined);
    return { header: `Bearer ${token}`, tokenKey: askedKey };
  }

  /** Forgets what a registry asked for and the tokens held for it (logout). */
  forget(registry: string, origin: string): void {
    this.schemes.delete(origin);
    this.tokens.deleteRegistry(registry);
  }

  private token(t: AuthTarget, s: Scheme, scopes: string[], cred: Credential | undefined, key: string, signal?: AbortSignal, fresh = false): Promise<string> {
    const flightKey = fresh ? `${key}\0fresh\0${Math.random()}` : key;
    return this.flight.do(flightKey, signal, async (sig) => {
      const { token, expiresIn } = await this.fetchToken(t, s, scopes, cred, sig);
      if (!fresh) this.tokens.set(key, token, expiresIn);
      return token;
    });
  }

  private realmUrl(t: AuthTarget, realm: string, cred: Credential | undefined): URL {
    let u: URL;
    try {
      u = new URL(realm);
    } catch {
      throw new OrasdError(ErrorCodes.RegistryError, `registry ${t.registry} sent an invalid token realm`, { registry: t.registry });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw new OrasdError(ErrorCodes.RegistryError, `registry ${t.registry} sent a token realm that is not http(s)`, { registry: t.registry });
    }
    if (u.protocol === 'http:' && hasSecret(cred) && !clearTextAllowed(t, u)) {
      const named = `${u.origin}${u.pathname}`;
      throw new OrasdError(ErrorCodes.Unauthorized, `registry ${t.registry} points to a plain-HTTP token realm on another host (${named}); refusing to send credentials there in clear text`, {
        registry: t.registry,
        status: 401,
        hint: `the token service must use HTTPS (or run on the registry's own host, reached with plainHttp); nothing was sent to ${u.host}`,
      });
    }
    return u;
  }

  private async fetchToken(t: AuthTarget, s: Scheme, scopes: string[], cred: Credential | undefined, signal?: AbortSignal): Promise<{ token: string; expiresIn?: number }> {
    const url = this.realmUrl(t, s.realm!, cred);
    let method = 'GET';
    let body: string | undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cred?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: CLIENT_ID });
      if (s.service !== undefined) form.set('service', s.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (s.service !== undefined) url.searchParams.set('service', s.service);
      for (const sc of scopes) url.searchParams.append('scope', sc);
      if (hasSecret(cred)) headers.authorization = basic(cred);
    }
    for (let attempt = 0; ; attempt++) {
      this.tokenFetches++;
      let res;
      try {
        res = await this.http.request({ method, url, headers, ...(body !== undefined ? { body } : {}), signal, tls: t.tls, registry: t.registry });
      } catch (e) {
        if (isRetryable(e) && attempt + 1 < this.retry.attempts) {
          await sleep(delayFor(this.retry, attempt, undefined)!, signal);
          continue;
        }
        throw e;
      }
      if (res.status === 200) {
        let raw: Buffer;
        try {
          raw = await readLimited(res.body, 1024 * 1024, () => new OrasdError(ErrorCodes.RegistryError, `token response from ${url.host} is too large`, { registry: t.registry }));
        } catch (e) {
          const err = e instanceof OrasdError ? e : this.http.transportError(e, { signal, url, registry: t.registry });
          if (isRetryable(err) && attempt + 1 < this.retry.attempts && !signal?.aborted) {
            await sleep(delayFor(this.retry, attempt, undefined)!, signal);
            continue;
          }
          throw err;
        }
        let j: { token?: unknown; access_token?: unknown; expires_in?: unknown };
        try {
          j = JSON.parse(raw.toString('utf8')) as typeof j;
        } catch {
          throw new OrasdError(ErrorCodes.RegistryError, `token service ${redactUrl(url.origin)} answered with something that is not JSON`, { registry: t.registry });
        }
        const token = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' ? j.access_token : '';
        if (!token) throw new OrasdError(ErrorCodes.RegistryError, `token service ${url.host} sent no token`, { registry: t.registry });
        this.log.debug({ registry: t.registry, scopes, method }, 'token fetched');
        return { token, ...(typeof j.expires_in === 'number' ? { expiresIn: j.expires_in } : {}) };
      }
      const text = await readErrorBody(res);
      if (RETRYABLE_STATUS.has(res.status) && attempt + 1 < this.retry.attempts) {
        const d = delayFor(this.retry, attempt, res.headers['retry-after']);
        if (d !== undefined) {
          await sleep(d, signal);
          continue;
        }
      }
      const ctx = { registry: t.registry, reference: t.registry, subject: 'registry' as const };
      if (res.status === 401 || (res.status === 400 && cred?.identityToken && /invalid_grant/.test(text))) {
        throw new OrasdError(ErrorCodes.Unauthorized, `${t.registry}: the token service refused the credentials`, {
          registry: t.registry,
          reference: t.registry,
          status: res.status,
          hint: loginHint(t.registry),
        });
      }
      const err = registryError(res.status, text, ctx);
      err.message = `token service for ${t.registry}: ${err.message}`;
      throw err;
    }
  }
}
