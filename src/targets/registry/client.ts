import type { Readable } from 'node:stream';
import { ErrorCodes, OrasdError } from '../../errors';
import type { Attempt, AuthTarget } from './auth';
import { credentialId, hasSecret, type Credential } from './credentials';
import { parseOciErrors, registryError, type ErrorContext } from './errors';
import { abandon, discard, readErrorBody, type HttpResponse, type TlsOptions } from './http';
import { apiHost, hostnameOf, isLoopbackHost, type RegistryOptions } from './options';
import { RETRYABLE_STATUS, delayFor, isRetryable, sleep } from './retry';
import type { Shared } from './state';

export interface SendRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Buffers and strings can be resent (retries, auth); a stream goes once. */
  body?: Buffer | string | Readable;
  /** Token scopes the request needs. */
  scopes: string[];
  signal?: AbortSignal | undefined;
  /** Retry on transient failures; default: GET/HEAD/PUT/DELETE with a resendable body. */
  retry?: boolean;
  /** Send without registry credentials (a redirect to storage on another origin). */
  anonymous?: boolean;
  /** Ignore remembered schemes and cached tokens: authenticate from scratch (login). */
  fresh?: boolean;
}

/** A response whose body was already read (a 401 we could not answer). */
export type Response = HttpResponse & { preread?: string };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * One registry as one caller sees it: address, TLS choice and credentials, over the shared
 * pools, auth state and caches. Cheap to make per request; holds nothing the daemon must bound.
 */
export class RegistryClient implements AuthTarget {
  readonly registry: string;
  readonly origin: string;
  readonly tls: TlsOptions;
  readonly loopback: boolean;
  readonly plain: boolean;
  /** Who is asking and how, without secrets: callers with other credentials or TLS never share a flight. */
  readonly identity: string;
  private readonly explicit: Credential | undefined;
  private credPromise: Promise<Credential | undefined> | undefined;

  constructor(
    readonly shared: Shared,
    registry: string,
    readonly opts: RegistryOptions = {},
  ) {
    this.registry = registry;
    this.loopback = isLoopbackHost(registry);
    // Registries the daemon's config lists, and loopback ones unless the caller brings TLS
    // options, default to plain HTTP; the caller's plainHttp decides when given.
    this.plain = opts.plainHttp ?? (shared.plainHttp.has(registry) || shared.plainHttp.has(hostnameOf(registry)) || (this.loopback && !opts.caFile && !opts.insecure));
    this.origin = `${this.plain ? 'http' : 'https'}://${apiHost(registry)}`;
    this.tls = { ...(opts.caFile ? { caFile: opts.caFile } : {}), ...(opts.insecure ? { insecure: true } : {}) };
    const explicit: Credential = {
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.identityToken !== undefined ? { identityToken: opts.identityToken } : {}),
    };
    this.explicit = hasSecret(explicit) ? explicit : undefined;
    const who = this.explicit ? `cred:${credentialId(this.explicit)}` : `config:${shared.credentials.sourceId(opts)}`;
    this.identity = `${this.origin}|${this.tls.caFile ?? ''}|${this.tls.insecure ? 1 : 0}|${who}`;
  }

  /** Explicit credentials of the call, else the docker config's (looked up once per client). */
  credential(): Promise<Credential | undefined> {
    if (this.explicit) return Promise.resolve(this.explicit);
    this.credPromise ??= this.shared.credentials.get(this.registry, this.opts).catch((e: unknown) => {
      this.credPromise = undefined;
      throw e;
    });
    return this.credPromise;
  }

  url(path: string): URL {
    return new URL(path, this.origin);
  }

  /** Sends with auth and, where safe, retries (backoff + jitter, Retry-After). */
  async send(req: SendRequest): Promise<Response> {
    const resendable = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
    const retry = (req.retry ?? IDEMPOTENT.has(req.method)) && resendable;
    const policy = this.shared.retry;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.sendAuthed(req, resendable);
      } catch (e) {
        if (retry && isRetryable(e) && attempt + 1 < policy.attempts && !req.signal?.aborted) {
          const d = delayFor(policy, attempt, undefined)!;
          this.shared.log.debug({ registry: this.registry, method: req.method, attempt, delayMs: d, error: (e as OrasdError).message }, 'retrying after transport failure');
          await sleep(d, req.signal);
          continue;
        }
        throw e;
      }
      if (retry && RETRYABLE_STATUS.has(res.status) && attempt + 1 < policy.attempts) {
        const d = delayFor(policy, attempt, res.headers['retry-after']);
        if (d !== undefined) {
          await discard(res);
          this.shared.log.debug({ registry: this.registry, method: req.method, status: res.status, attempt, delayMs: d }, 'retrying');
          await sleep(d, req.signal);
          continue;
        }
      }
      return res;
    }
  }

  /**
   * Sends and consumes the answer with `read`, retrying the pair where the request may be retried:
   * a body that breaks, stalls or arrives malformed (errors marked retryable) is a failed request.
   */
  async sendAndRead<T>(req: SendRequest, read: (res: Response) => Promise<T>): Promise<T> {
    const resendable = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
    const retry = (req.retry ?? IDEMPOTENT.has(req.method)) && resendable;
    const policy = this.shared.retry;
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(req);
      try {
        return await read(res);
      } catch (e) {
        abandon(res.body);
        const err = e instanceof OrasdError ? e : this.shared.http.transportError(e, { signal: req.signal, url: res.url, registry: this.registry });
        if (!retry || !isRetryable(err) || attempt + 1 >= policy.attempts || req.signal?.aborted) throw err;
        const d = delayFor(policy, attempt, undefined)!;
        this.shared.log.debug({ registry: this.registry, method: req.method, attempt, delayMs: d, error: err.message }, 'retrying after a broken answer');
        await sleep(d, req.signal);
      }
    }
  }

  private async sendAuthed(req: SendRequest, resendable: boolean): Promise<Response> {
    const { http, auth } = this.shared;
    const base = { method: req.method, url: req.url, body: req.body ?? null, signal: req.signal, tls: this.tls, registry: this.registry };
    if (req.anonymous) return http.request({ ...base, headers: { ...req.headers } });
    const release = req.fresh ? undefined : await auth.gate(this.origin);
    try {
      const first: Attempt = req.fresh ? {} : await auth.upfront(this, req.scopes, req.signal);
      const res: Response = await http.request({ ...base, headers: withAuth(req.headers, first.header) });
      if (res.status !== 401) {
        if (!first.header && res.status !== 403) auth.noAuthNeeded(this.origin);
        return res;
      }
      const challenge = res.headers['www-authenticate'];
      res.preread = await readErrorBody(res);
      const next = await auth.answer(this, challenge, req.scopes, first, req.signal, req.fresh);
      // A stream body is gone; the caller (blob upload) starts over and finds the token cached.
      if (!next || !resendable) return res;
      return http.request({ ...base, headers: withAuth(req.headers, next.header) });
    } finally {
      release?.();
    }
  }

  /** The error a non-success response means. */
  async fail(res: Response, ctx: Omit<ErrorContext, 'registry'>): Promise<OrasdError> {
    const text = res.preread ?? (await readErrorBody(res));
    if (this.plain && res.status === 400 && parseOciErrors(text).length === 0 && (await this.speaksTls(text, res.method))) {
      return new OrasdError(ErrorCodes.RegistryUnreachable, `registry ${this.registry} speaks HTTPS, not plain HTTP`, {
        registry: this.registry,
        reference: ctx.reference,
        status: 400,
        hint: this.loopback && this.opts.plainHttp === undefined
          ? 'loopback registries default to plain HTTP; for this one pass caFile (or insecure), or plainHttp: false'
          : 'drop plainHttp (and pass caFile if its certificate comes from a private CA)',
      });
    }
    return registryError(res.status, text, { ...ctx, registry: this.registry });
  }

  /**
   * Whether a 400 to a plain-HTTP request came from a TLS port (Go answers "Client sent an HTTP
   * request to an HTTPS server"). A HEAD has no body to tell, so a GET of /v2/ asks again.
   */
  private async speaksTls(text: string, method: string): Promise<boolean> {
    const says = (s: string) => /HTTP request to an HTTPS server/i.test(s);
    if (says(text)) return true;
    if (method !== 'HEAD') return false;
    try {
      const probe = await this.shared.http.request({ method: 'GET', url: this.url('/v2/'), tls: this.tls, registry: this.registry });
      return probe.status === 400 && says(await readErrorBody(probe));
    } catch {
      return false;
    }
  }
}

function withAuth(headers: Record<string, string> | undefined, authorization: string | undefined): Record<string, string> {
  return authorization ? { ...headers, authorization } : { ...headers };
}
