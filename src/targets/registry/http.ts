import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { ErrorCodes, OrasdError, cancelled } from '../../errors';
import { redactUrl, type Logger } from '../../log';
import { markRetryable } from './retry';

// undici parses HTTP with llhttp compiled to WebAssembly on the first request. By default V8 also
// compiles it with TurboFan, a ~35 MiB transient that stays in the daemon's peak RSS (measured:
// peak 104 -> 69 MiB in a process that only makes requests); the baseline compiler alone parses
// as fast here (no difference over 2000 loopback requests; bodies are passed through, not parsed).
// Set before any request compiles it.
setFlagsFromString('--liftoff-only');

export interface TlsOptions {
  caFile?: string;
  insecure?: boolean;
}

export interface Timeouts {
  connectMs: number;
  /** Until the response headers arrive. */
  headersMs: number;
  /** Longest silence while a body streams. */
  bodyMs: number;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable | null;
  signal?: AbortSignal;
  tls: TlsOptions;
  /** Registry host the request is for, for error messages. */
  registry: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  url: URL;
  method: string;
}

export function header(res: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Drops a stream we no longer want; the error its destruction may emit has no one to tell. */
export function abandon(stream: Readable): void {
  stream.on('error', () => undefined);
  stream.destroy();
}

/** Reads a body into memory, failing (and dropping the connection) beyond `limit` bytes. */
export async function readLimited(body: Readable, limit: number, tooBig: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      abandon(body);
      throw tooBig();
    }
    chunks.push(chunk);
  }
  await connectionFreed();
  return Buffer.concat(chunks, total);
}

/**
 * undici hands a connection back to its pool in a setImmediate after the response ends; a
 * request sent before then (the next step of a push, right after this answer was read) finds
 * every connection busy and opens another: a cold push opened 3 where oras opens 2.
 */
function connectionFreed(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Error bodies are small; a huge one is not worth reading. */
export async function readErrorBody(res: HttpResponse): Promise<string> {
  try {
    const b = await readLimited(res.body, 64 * 1024, () => new Error('error body too large'));
    return b.toString('utf8');
  } catch {
    return '';
  }
}

/** Lets the connection go back to the pool (or closes it when the body is large). */
export async function discard(res: HttpResponse): Promise<void> {
  try {
    await res.body.dump({ limit: 256 * 1024 });
  } catch {
    // the connection is closed instead; nothing to keep
    return;
  }
  await connectionFreed();
}

const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const BROKEN_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * One undici Agent per TLS configuration (pools per origin inside it, keep-alive), and the
 * request counters every test and `status` read. Everything that goes on the wire passes here.
 */
export class Http {
  private readonly agents = new Map<string, Agent>();
  /** Origins that answered at least once: a refused connection there is a restart, worth a retry. */
  private readonly reachable = new Set<string>();
  requests = 0;
  readonly byOrigin: Record<string, number> = {};
  /** New connections by the protocol they speak: `h2`, `http/1.1` (TLS) or `http` (plain). */
  readonly connections: Record<string, number> = {};

  constructor(
    private readonly opts: { log: Logger; userAgent: string; connections: number; timeouts: Timeouts; http2?: boolean },
  ) {}

  private agent(tls: TlsOptions): Agent {
    const key = `${tls.caFile ?? ''}\0${tls.insecure ? 1 : 0}`;
    let a = this.agents.get(key);
    if (!a) {
      const connect: Record<string, unknown> = { timeout: this.opts.timeouts.connectMs };
      if (tls.insecure) connect.rejectUnauthorized = false;
      if (tls.caFile) {
        let pem: string;
        try {
          pem = readFileSync(tls.caFile, 'utf8');
        } catch (e) {
          throw new OrasdError(ErrorCodes.FileNotFound, `cannot read caFile ${tls.caFile}: ${(e as Error).message}`, { path: tls.caFile });
        }
        // Extra CAs add to the default roots rather than replacing them. One secure context per
        // agent: passing `ca` per connection makes Node parse ~150 roots on every handshake.
        connect.secureContext = createSecureContext({ ca: [...rootCertificates, pem] });
      }
      const http2 = this.opts.http2 === true;
      const base = buildConnector({ ...connect, ...(http2 ? { allowH2: true } : {}) } as buildConnector.BuildOptions);
      // Wrapped only to count what each new connection negotiated (status, tests, the bench).
      const counted: buildConnector.connector = (o, cb) =>
        base(o, (err, socket) => {
          if (socket) {
            const proto = 'alpnProtocol' in socket ? (socket.alpnProtocol as string | false) || 'http/1.1' : 'http';
            this.connections[proto] = (this.connections[proto] ?? 0) + 1;
          }
          // undici's callback type pairs (null, socket) and (error, null): pass each on as it came.
          (cb as (e: Error | null, s: typeof socket) => void)(err, socket);
        });
      a = new Agent({
        connections: this.opts.connections,
        // Warm means warm: keep idle connections long enough to serve the next command of a script.
        keepAliveTimeout: 120_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: this.opts.timeouts.headersMs,
        bodyTimeout: this.opts.timeouts.bodyMs,
        ...(http2 ? { allowH2: true } : {}),
        connect: counted,
      });
      this.agents.set(key, a);
    }
    return a;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (req.signal?.aborted) throw cancelled();
    const origin = req.url.origin;
    this.requests++;
    this.byOrigin[origin] = (this.byOrigin[origin] ?? 0) + 1;
    const started = performance.now();
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent, ...req.headers };
    try {
      const res = await this.agent(req.tls).request({
        origin,
        path: req.url.pathname + req.url.search,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body ?? null,
        signal: req.signal ?? null,
        // undici closes the connection after a HEAD unless told otherwise; registries answer HEAD
        // with an empty body, so the connection can be reused.
        ...(req.method === 'HEAD' ? { reset: false } : {}),
      });
      this.reachable.add(origin);
      // The per-request line is built only when someone reads it: this is the hot path.
      if (this.opts.log.isLevelEnabled('debug')) {
        this.opts.log.debug(
          { registry: req.registry, method: req.method, url: redactUrl(req.url.toString()), status: res.statusCode, ms: Math.round(performance.now() - started) },
          'http',
        );
      }
      return { status: res.statusCode, headers: res.headers, body: res.body, url: req.url, method: req.method };
    } catch (e) {
      this.opts.log.debug(
        { registry: req.registry, method: req.method, url: redactUrl(req.url.toString()), error: (e as { code?: string }).code ?? (e as Error).name, ms: Math.round(performance.now() - started) },
        'http failed',
      );
      throw this.transportError(e, req);
    }
  }

  /** Maps a failure below HTTP to our error, with a hint when it smells of a TLS/plain mix-up. */
  transportError(e: unknown, req: Pick<HttpRequest, 'signal' | 'url' | 'registry'>): OrasdError {
    if (e instanceof OrasdError) return e;
    if (req.signal?.aborted) return cancelled();
    const err = e as Error & { code?: string };
    const code = err.code ?? '';
    const msg = err.message ?? String(e);
    const data = { registry: req.registry, detail: { cause: code || msg } };
    const where = `${req.url.protocol}//${req.url.host}`;
    if (TIMEOUTS.has(code)) {
      return markRetryable(new OrasdError(ErrorCodes.Timeout, `registry ${req.registry} did not answer in time (${where})`, data, { cause: e }));
    }
    if (BROKEN_CONNECTION.has(code) || (code === 'ECONNREFUSED' && this.reachable.has(req.url.origin))) {
      return markRetryable(new OrasdError(ErrorCodes.RegistryUnreachable, `connection to registry ${req.registry} broke (${code})`, data, { cause: e }));
    }
    let hint: string;
    if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|wrong version number/i.test(code + ' ' + msg)) {
      hint = 'the registry seems to speak plain HTTP: pass plainHttp';
    } else if (CERT_ERRORS.has(code) || /certificate/i.test(msg)) {
      hint = 'the registry certificate is not trusted: pass caFile with its CA, or insecure to skip verification';
    } else if (code === 'ECONNREFUSED') {
      hint = 'nothing listens there: check the host and port';
    } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      hint = 'the host name does not resolve';
    } else if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      hint = 'the connection timed out: check the host, port and network';
    } else {
      hint = 'check the registry address; for a plain-HTTP registry pass plainHttp, for a private CA caFile (or insecure)';
    }
    return new OrasdError(ErrorCodes.RegistryUnreachable, `cannot reach registry ${req.registry} at ${where}: ${code || msg}`, { ...data, hint }, { cause: e });
  }

  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.close().catch(() => a.destroy())));
  }
}
