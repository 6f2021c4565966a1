// The simulated network between the tools and the registries, in its own process so its work
// never shares an event loop with the benchmark runner.
//
// For each backend (a registry or the token server, plain HTTP on 127.0.0.1) it opens one public
// port. A connection to that port goes through a delay relay (each chunk is held rttMs/2 in each
// direction, so TCP and TLS handshakes and every request/response pay the round trip), then into
// a TLS server of ours (the bench CA's certificate, ALPN h2 and http/1.1 as a Go registry offers),
// which forwards each HTTP request to the backend over kept-alive loopback connections and logs
// it: method, path, status, protocol, the label the runner set. Connections are logged too (a new
// one costs the client a TCP and a TLS handshake).
//
// Parent side: startDelayProxy() forks this file; the child answers IPC messages (listen, label,
// take). Nothing here changes the bytes of requests or answers, except hop-by-hop headers and
// X-Forwarded-Proto: https, which tells distribution to write https:// upload locations.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type * as tls from 'node:tls';

export interface ProxyRequest {
  label: string;
  listener: string;
  method: string;
  path: string;
  status: number;
  proto: string;
  /** ms since the proxy started, when the request arrived (after the network delay). */
  at: number;
  /** ms until the backend's answer was fully passed on. */
  ms: number;
  userAgent: string;
  /** Body bytes passed on each way. */
  reqBytes: number;
  resBytes: number;
  /** The request came with a Content-Length (else its body was forwarded chunked). */
  sized: boolean;
}

export interface ProxyConnection {
  label: string;
  listener: string;
  alpn: string;
}

export interface ProxyTake {
  requests: ProxyRequest[];
  connections: ProxyConnection[];
  /** CPU the proxy process used since the previous take, ms (user + system). */
  cpuMs: number;
}

type ToChild =
  | { type: 'init'; id: number; rttMs: number; cert: string; key: string; alpn: string[] }
  | { type: 'listen'; id: number; name: string; backend: string }
  | { type: 'label'; id: number; label: string }
  | { type: 'take'; id: number; quietMs: number };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type FromChild = { type: 'reply'; id: number; result?: unknown; error?: string };

// ---------------------------------------------------------------- parent side

export interface DelayProxy {
  rttMs: number;
  /** Opens a public port for a backend (http://127.0.0.1:PORT); returns "127.0.0.1:PORT". */
  listen(name: string, backend: string): Promise<string>;
  /** Requests and connections from now on are attributed to this label. */
  label(label: string): Promise<void>;
  /** Waits until no request has been in flight for quietMs, then returns and clears the logs. */
  take(quietMs?: number): Promise<ProxyTake>;
  pid: number;
  stop(): Promise<void>;
}

export async function startDelayProxy(opts: { rttMs: number; certFile: string; keyFile: string; alpn: string[] }): Promise<DelayProxy> {
  const child: ChildProcess = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  child.on('message', (m: FromChild) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`delay proxy: ${m.error}`));
    else p.resolve(m.result);
  });
  child.on('exit', (code, sig) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`delay proxy exited (${sig ?? code})`));
    pending.clear();
  });
  const call = <T>(msg: WithoutId<ToChild>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error('delay proxy is not running'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...msg, id });
    });
  await call({ type: 'init', rttMs: opts.rttMs, cert: fs.readFileSync(opts.certFile, 'utf8'), key: fs.readFileSync(opts.keyFile, 'utf8'), alpn: opts.alpn });
  return {
    rttMs: opts.rttMs,
    pid: child.pid!,
    listen: (name, backend) => call<string>({ type: 'listen', name, backend }),
    label: (label) => call<void>({ type: 'label', label }),
    take: (quietMs = 0) => call<ProxyTake>({ type: 'take', quietMs }),
    stop: async () => {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}

// ---------------------------------------------------------------- child side

/**
 * Copies src to dst, holding every chunk delayMs; pauses src while too much waits. Nothing goes
 * before notBefore (performance.now() time): the kernel completed the TCP handshake at once, so
 * the client's first bytes wait the round trip its SYN/SYN-ACK would have cost.
 */
function delayedPipe(src: net.Socket, dst: net.Socket, delayMs: number, notBefore = 0): void {
  if (delayMs <= 0) {
    src.pipe(dst);
    return;
  }
  const HIGH = 8 * 1024 * 1024;
  const queue: { at: number; buf: Buffer }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let srcEnded = false;
  const tooMuch = () => queued + dst.writableLength > HIGH;
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0]!.at - performance.now()));
  };
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now + 0.5) {
      const { buf } = queue.shift()!;
      queued -= buf.length;
      if (!dst.destroyed) dst.write(buf);
    }
    if (!tooMuch() && src.isPaused()) src.resume();
    if (queue.length > 0) schedule();
    else if (srcEnded && !dst.destroyed) dst.end();
  };
  dst.on('drain', () => {
    if (!tooMuch() && src.isPaused()) src.resume();
  });
  src.on('data', (buf: Buffer) => {
    queue.push({ at: Math.max(performance.now(), notBefore) + delayMs, buf });
    queued += buf.length;
    if (tooMuch()) src.pause();
    schedule();
  });
  src.on('end', () => {
    srcEnded = true;
    if (queue.length === 0 && !dst.destroyed) dst.end();
  });
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'http2-settings', 'host']);

function childMain(): void {
  let rttMs = 0;
  let cert = '';
  let key = '';
  let alpn: string[] = ['h2', 'http/1.1'];
  let label = 'setup';
  let requests: ProxyRequest[] = [];
  let connections: ProxyConnection[] = [];
  let inFlight = 0;
  let lastActivity = performance.now();
  let cpu = process.cpuUsage();
  const t0 = performance.now();
  const servers: net.Server[] = [];
  const backendAgent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256 });

  const listen = async (name: string, backend: string): Promise<string> => {
    const target = new URL(backend);
    // Node's h2 server always offers h2 (and http/1.1 with allowHTTP1); without h2, a plain
    // HTTPS server offers http/1.1 alone.
    const inner: tls.Server = alpn.includes('h2')
      ? http2.createSecureServer({
          cert,
          key,
          allowHTTP1: alpn.includes('http/1.1'),
          noDelay: true,
          // Large flow-control windows: the simulated link, not our h2 server, limits throughput.
          settings: { initialWindowSize: 16 * 1024 * 1024, maxConcurrentStreams: 250, maxFrameSize: 1024 * 1024 },
        })
      : https.createServer({ cert, key, noDelay: true, ALPNProtocols: ['http/1.1'], keepAliveTimeout: 0, requestTimeout: 0 });
    inner.on('session', (sess: http2.ServerHttp2Session) => {
      try {
        sess.setLocalWindowSize(64 * 1024 * 1024);
      } catch {
        /* not yet connected; the settings still apply */
      }
    });
    // No server-side limit on how long a request may take or a connection may idle.
    Object.assign(inner, { requestTimeout: 0, keepAliveTimeout: 0, timeout: 0 });
    inner.on('secureConnection', (sock: tls.TLSSocket) => {
      sock.setNoDelay(true);
      connections.push({ label, listener: name, alpn: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : 'none' });
    });
    inner.on('request', (req: http2.Http2ServerRequest | http.IncomingMessage, res: http2.Http2ServerResponse | http.ServerResponse) => {
      inFlight++;
      lastActivity = performance.now();
      const started = performance.now();
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const authority = (req.headers[':authority'] as string | undefined) ?? req.headers.host ?? target.host;
      const proto = req.httpVersion === '2.0' ? 'h2' : 'http/1.1';
      const entry: ProxyRequest = {
        label,
        listener: name,
        method,
        path,
        status: 0,
        proto,
        at: started - t0,
        ms: 0,
        userAgent: String(req.headers['user-agent'] ?? ''),
        reqBytes: 0,
        resBytes: 0,
        sized: req.headers['content-length'] !== undefined,
      };
      requests.push(entry);
      let finished = false;
      const finish = (status: number) => {
        if (finished) return;
        finished = true;
        entry.status = entry.status || status;
        entry.ms = performance.now() - started;
        inFlight--;
        lastActivity = performance.now();
      };
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (k.startsWith(':') || HOP_BY_HOP.has(k) || v === undefined) continue;
        headers[k] = v;
      }
      headers.host = authority;
      headers['x-forwarded-proto'] = 'https';
      const up = http.request(
        { host: target.hostname, port: target.port, method, path, headers, agent: backendAgent },
        (upRes) => {
          entry.status = upRes.statusCode ?? 0;
          const out: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(upRes.headers)) {
            if (HOP_BY_HOP.has(k) || v === undefined) continue;
            out[k] = v;
          }
          try {
            (res as http.ServerResponse).writeHead(upRes.statusCode ?? 502, out);
          } catch {
            upRes.destroy();
            return finish(502);
          }
          upRes.on('data', (c: Buffer) => (entry.resBytes += c.length));
          upRes.pipe(res as NodeJS.WritableStream);
          upRes.on('error', () => {
            (res as http.ServerResponse).destroy();
            finish(502);
          });
          res.on('finish', () => finish(upRes.statusCode ?? 0));
          res.on('close', () => finish(upRes.statusCode ?? 0));
        },
      );
      up.on('error', (e) => {
        if (!res.headersSent) {
          try {
            (res as http.ServerResponse).writeHead(502, { 'content-type': 'text/plain' });
            res.end(`delay proxy: backend ${name}: ${e.message}\n`);
          } catch {
            /* gone */
          }
        } else (res as http.ServerResponse).destroy();
        finish(502);
      });
      req.on('aborted', () => up.destroy());
      req.on('data', (c: Buffer) => (entry.reqBytes += c.length));
      (req as NodeJS.ReadableStream).pipe(up);
    });
    await new Promise<void>((resolve) => inner.listen(0, '127.0.0.1', resolve));
    const innerPort = (inner.address() as net.AddressInfo).port;

    const outer = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
      client.setNoDelay(true);
      const conn = net.connect({ host: '127.0.0.1', port: innerPort, noDelay: true, allowHalfOpen: true });
      const kill = () => {
        client.destroy();
        conn.destroy();
      };
      client.on('error', kill);
      conn.on('error', kill);
      // A side that closed cleanly has sent its end through the delay; the other follows, or is
      // dropped a little later if it never closes on its own.
      const linger = (other: net.Socket) => (hadError: boolean) => {
        if (hadError) return kill();
        setTimeout(() => other.destroy(), rttMs + 5_000).unref();
      };
      client.on('close', linger(conn));
      conn.on('close', linger(client));
      delayedPipe(client, conn, rttMs / 2, performance.now() + rttMs);
      delayedPipe(conn, client, rttMs / 2);
    });
    await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve));
    servers.push(inner as unknown as net.Server, outer);
    return `127.0.0.1:${(outer.address() as net.AddressInfo).port}`;
  };

  const take = async (quietMs: number): Promise<ProxyTake> => {
    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline && (inFlight > 0 || performance.now() - lastActivity < quietMs)) {
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(20, quietMs / 4))));
    }
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const out: ProxyTake = { requests, connections, cpuMs: (used.user + used.system) / 1000 };
    requests = [];
    connections = [];
    return out;
  };

  process.on('message', (m: ToChild) => {
    const reply = (result?: unknown, error?: string) => process.send!({ type: 'reply', id: m.id, ...(error ? { error } : { result }) } satisfies FromChild);
    const run = async (): Promise<unknown> => {
      switch (m.type) {
        case 'init':
          rttMs = m.rttMs;
          cert = m.cert;
          key = m.key;
          alpn = m.alpn;
          return null;
        case 'listen':
          return listen(m.name, m.backend);
        case 'label':
          label = m.label;
          return null;
        case 'take':
          return take(m.quietMs);
      }
    };
    run().then(
      (r) => reply(r),
      (e: Error) => reply(undefined, e.message),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module && process.argv.includes('--child')) childMain();
