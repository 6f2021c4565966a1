// A front for a real registry that serves blob downloads the way registries backed by object
// storage do: GET /v2/<name>/blobs/<digest> answers 307 to a presigned URL on another server
// (another port: another origin), which serves the bytes and records the headers it received.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rewriteLocation } from './fault-proxy';

export interface StorageRequest {
  method: string;
  path: string;
  /** The Authorization header, if one arrived (it never should). */
  authorization?: string;
  cookie?: string;
}

export interface Redirector {
  host: string;
  url: string;
  /** 307s answered. */
  redirects: number;
  storage: {
    url: string;
    requests: StorageRequest[];
    /** The presigned URLs carry this secret in X-Amz-Signature; logs must not. */
    signature: string;
  };
  stop(): Promise<void>;
}

const BLOB_GET = /^\/v2\/.+\/blobs\/(sha256:[a-f0-9]{64})$/;

export async function startRedirector(upstream: string, opts: { listenHost?: string } = {}): Promise<Redirector> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const objects = new Map<string, Buffer>();
  const signature = randomBytes(20).toString('hex');
  const storageRequests: StorageRequest[] = [];
  let front = '';
  let storageUrl = '';

  const storage = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://storage');
    storageRequests.push({
      method: req.method ?? '',
      path: u.pathname,
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.cookie !== undefined ? { cookie: req.headers.cookie } : {}),
    });
    const body = objects.get(u.pathname);
    if (u.searchParams.get('X-Amz-Signature') !== signature || !body) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const from = Number(range[1]);
      res.writeHead(206, { 'content-length': String(body.length - from), 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
      res.end(req.method === 'HEAD' ? undefined : body.subarray(from));
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  const redirector: Redirector = {
    host: '',
    url: '',
    redirects: 0,
    storage: { url: '', requests: storageRequests, signature },
    stop: async () => {
      for (const s of [server, storage]) s.closeAllConnections();
      agent.destroy();
      await Promise.all([server, storage].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const blob = req.method === 'GET' ? BLOB_GET.exec(path) : null;
    // Blob reads are fetched from the registry with the client's credentials (the registry checks
    // them), parked in storage, and the client is sent there with a presigned URL.
    const headers = { ...req.headers, host: target.host };
    if (blob) delete headers.range;
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (ur) => {
      if (!blob || ur.statusCode !== 200) {
        res.writeHead(ur.statusCode ?? 502, rewriteLocation(ur.headers, target, front));
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const key = `/bucket/${randomBytes(8).toString('hex')}`;
        objects.set(key, Buffer.concat(chunks));
        redirector.redirects++;
        const q = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAORASDTEST%2F20250101&X-Amz-Expires=300&X-Amz-Signature=${signature}`;
        res.writeHead(307, { location: `${storageUrl}${key}?${q}`, 'content-length': '0' });
        res.end();
      });
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });

  const listen = (s: http.Server) =>
    new Promise<string>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, opts.listenHost ?? '127.0.0.1', () => {
        const a = s.address() as AddressInfo;
        resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
      });
    });
  front = await listen(server);
  storageUrl = await listen(storage);
  redirector.url = front;
  redirector.host = front.slice('http://'.length);
  redirector.storage.url = storageUrl;
  return redirector;
}
