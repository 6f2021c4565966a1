// A plain-HTTP proxy in front of a real registry that misbehaves on purpose, request by request:
// the registry's real answers, with the faults a network, a load balancer or a hostile registry
// adds. Rules pick requests by method, path pattern and nth occurrence or probability.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Answer this status (500, 502, 503...) without asking the registry. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string | ((req: http.IncomingMessage) => string) }
  /** 429 (or 503) with Retry-After in seconds. */
  | { kind: 'retry-after'; seconds: number; status?: number }
  /** Drop the connection (TCP RST) before any answer. */
  | { kind: 'reset' }
  /** Pass `after` bytes of the request body on to the registry, then reset both connections. */
  | { kind: 'reset-request'; after: number }
  /** Forward the answer's headers and `after` bytes of its body, then reset the connection. */
  | { kind: 'reset-body'; after: number }
  /** Forward the headers and `after` bytes of the body, then close cleanly (short body, FIN). */
  | { kind: 'truncate'; after: number }
  /** Read the request, then say nothing (for `ms`, then answer normally; default: never). */
  | { kind: 'stall-headers'; ms?: number }
  /** Forward the headers and `after` bytes, then go silent (for `ms`, then go on; default: forever). */
  | { kind: 'stall-body'; after: number; ms?: number }
  /** Flip one byte of the answer's body (default: its middle); length and headers unchanged. */
  | { kind: 'corrupt'; offset?: number }
  /** Flip one byte of the request body on its way to the registry. */
  | { kind: 'corrupt-request'; offset?: number }
  /** A hostile registry: replace the answer's body (Content-Length follows) and headers. */
  | { kind: 'rewrite'; body?: (upstream: Buffer) => Buffer; headers?: (h: http.OutgoingHttpHeaders) => http.OutgoingHttpHeaders };

export type FaultKind = Fault['kind'];

export interface FaultRule {
  /** HTTP method, e.g. 'GET' (any when absent). */
  method?: string;
  /** Tested against the path without its query (any when absent). */
  path?: RegExp;
  /** Fire on these occurrences (1-based) of requests this rule matches. */
  nth?: number | number[];
  /** Fire with this probability (seeded, so a run is repeatable). */
  probability?: number;
  /** Fire at most this many times. */
  times?: number;
  /** A last say on the request (e.g. only bodies over some Content-Length). */
  when?: (req: http.IncomingMessage) => boolean;
  fault: Fault;
}

export interface RuleState {
  readonly rule: FaultRule;
  /** Requests the rule's method and path matched. */
  matched: number;
  /** Faults it injected. */
  injected: number;
}

export interface FaultProxy {
  host: string;
  url: string;
  /** The last requests seen, as "METHOD path?query". */
  seen: string[];
  /** Faults injected since start (or resetStats), by kind. */
  injected: Partial<Record<FaultKind, number>>;
  requests: number;
  addRule(rule: FaultRule): RuleState;
  removeRule(rule: RuleState): void;
  clearRules(): void;
  resetStats(): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Address to listen on (default 127.0.0.1); another interface makes the registry non-loopback. */
  listenHost?: string;
  seed?: number;
}

/** mulberry32: a small seeded generator, so probabilistic faults repeat run after run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Registry answers name the registry in Location; clients must come back through the front. */
export function rewriteLocation(headers: http.IncomingHttpHeaders, upstream: URL, front: string): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers };
  if (typeof out.location === 'string' && out.location.startsWith(upstream.origin)) out.location = front + out.location.slice(upstream.origin.length);
  return out;
}

/** RST where the platform can, else a plain close. */
function reset(socket: Socket | null | undefined): void {
  if (!socket) return;
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
  else socket.destroy();
}

export async function startFaultProxy(upstream: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const random = seeded(opts.seed ?? 0x5eed);
  const rules: RuleState[] = [];
  const stalled = new Set<NodeJS.Timeout>();
  let front = '';

  const proxy: FaultProxy = {
    host: '',
    url: '',
    seen: [],
    injected: {},
    requests: 0,
    addRule(rule) {
      const st: RuleState = { rule, matched: 0, injected: 0 };
      rules.push(st);
      return st;
    },
    removeRule(st) {
      const i = rules.indexOf(st);
      if (i >= 0) rules.splice(i, 1);
    },
    clearRules() {
      rules.length = 0;
    },
    resetStats() {
      proxy.injected = {};
      proxy.requests = 0;
      proxy.seen.length = 0;
    },
    stop: async () => {
      for (const t of stalled) clearTimeout(t);
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  function pick(req: http.IncomingMessage): Fault | undefined {
    const path = (req.url ?? '/').split('?')[0]!;
    for (const st of rules) {
      const r = st.rule;
      if (r.method && r.method.toUpperCase() !== req.method) continue;
      if (r.path && !r.path.test(path)) continue;
      if (r.when && !r.when(req)) continue;
      st.matched++;
      if (r.times !== undefined && st.injected >= r.times) continue;
      const fire = r.nth !== undefined ? (Array.isArray(r.nth) ? r.nth : [r.nth]).includes(st.matched) : r.probability !== undefined ? random() < r.probability : true;
      if (!fire) continue;
      st.injected++;
      proxy.injected[r.fault.kind] = (proxy.injected[r.fault.kind] ?? 0) + 1;
      return r.fault;
    }
    return undefined;
  }

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      stalled.delete(t);
      fn();
    }, ms);
    stalled.add(t);
  };

  function forward(req: http.IncomingMessage, res: http.ServerResponse, fault: Fault | undefined, heldBody?: Buffer): void {
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
      (ur) => answer(ur, res, fault),
    );
    up.on('error', () => reset(res.socket));
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    if (fault?.kind === 'reset-request' || fault?.kind === 'corrupt-request') {
      let seen = 0;
      req.on('data', (c: Buffer) => {
        if (fault.kind === 'reset-request') {
          const part = c.subarray(0, Math.max(0, fault.after - seen));
          seen += c.length;
          if (part.length) up.write(part);
          if (seen >= fault.after) {
            up.destroy();
            reset(req.socket);
          }
          return;
        }
        const at = (fault.offset ?? 0) - seen;
        if (at >= 0 && at < c.length) {
          c = Buffer.from(c);
          c[at] = c[at]! ^ 0xff;
        }
        seen += c.length;
        up.write(c);
      });
      req.on('end', () => up.end());
      return;
    }
    if (heldBody) up.end(heldBody);
    else req.pipe(up);
  }

  function answer(ur: http.IncomingMessage, res: http.ServerResponse, fault: Fault | undefined): void {
    const headers = rewriteLocation(ur.headers, target, front);
    const status = ur.statusCode ?? 502;
    switch (fault?.kind) {
      case 'corrupt':
      case 'rewrite': {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          let body: Buffer = Buffer.concat(chunks);
          let h = headers;
          if (fault.kind === 'corrupt') {
            if (body.length) {
              const at = Math.min(body.length - 1, fault.offset ?? Math.floor(body.length / 2));
              body[at] = body[at]! ^ 0x01;
            }
          } else {
            if (fault.body) body = fault.body(body);
            if (fault.headers) h = fault.headers(h);
            h = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined));
            // A new body gets its length, unless the rule dropped it (then it goes chunked); a
            // rule that only rewrites headers (a HEAD) keeps the length it says.
            if (fault.body && h['content-length'] !== undefined) h['content-length'] = String(body.length);
            if (h['content-length'] !== undefined) delete h['transfer-encoding'];
          }
          res.writeHead(status, h);
          res.end(body);
        });
        return;
      }
      case 'reset-body':
      case 'truncate':
      case 'stall-body': {
        res.writeHead(status, headers);
        const f = fault;
        let sent = 0;
        let state: 'flowing' | 'cut' | 'released' = 'flowing';
        ur.on('data', (c: Buffer) => {
          if (state === 'released') {
            res.write(c);
            return;
          }
          if (state === 'cut') return;
          const part = c.subarray(0, Math.max(0, f.after - sent));
          sent += part.length;
          if (part.length) res.write(part);
          if (sent < f.after) return;
          state = 'cut';
          if (f.kind === 'stall-body') {
            const rest = c.subarray(part.length);
            ur.pause();
            if (f.ms !== undefined) {
              later(f.ms, () => {
                state = 'released';
                if (rest.length) res.write(rest);
                ur.resume();
              });
            }
            return;
          }
          ur.destroy();
          // Let the bytes written so far reach the client before the connection goes.
          if (f.kind === 'reset-body') setTimeout(() => reset(res.socket), 20);
          else setTimeout(() => res.socket?.end(), 20);
        });
        ur.on('end', () => {
          if (state !== 'cut') res.end();
        });
        return;
      }
      default:
        res.writeHead(status, headers);
        ur.pipe(res);
    }
  }

  const server = http.createServer((req, res) => {
    proxy.requests++;
    proxy.seen.push(`${req.method} ${req.url}`);
    if (proxy.seen.length > 10_000) proxy.seen.splice(0, 5_000);
    const fault = pick(req);
    switch (fault?.kind) {
      case 'reset':
        reset(req.socket);
        return;
      case 'status':
      case 'retry-after': {
        req.resume();
        const status = fault.kind === 'status' ? fault.status : (fault.status ?? 429);
        const headers = fault.kind === 'status' ? (fault.headers ?? {}) : { 'retry-after': String(fault.seconds) };
        const body = fault.kind === 'status' ? (typeof fault.body === 'function' ? fault.body(req) : (fault.body ?? '')) : '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}';
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
        res.end(body);
        return;
      }
      case 'stall-headers':
        if (fault.ms === undefined) {
          req.resume();
          return;
        }
        {
          // The request body must still reach the registry: hold it, send it when the stall ends.
          const held: Buffer[] = [];
          const ms = fault.ms;
          req.on('data', (c: Buffer) => held.push(c));
          req.on('end', () => later(ms, () => forward(req, res, undefined, Buffer.concat(held))));
        }
        return;
      default:
        forward(req, res, fault);
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.listenHost ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  proxy.host = `${hostPart}:${addr.port}`;
  proxy.url = `http://${proxy.host}`;
  front = proxy.url;
  return proxy;
}
