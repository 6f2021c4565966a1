// A tiny HTTP client for tests and readiness polls that can trust a test CA;
// the built-in fetch() cannot be given a CA without the undici package.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  caFile?: string;
  timeoutMs?: number;
}

export function httpRequest(url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  const reqOpts: https.RequestOptions = {
    method: opts.method ?? 'GET',
    headers: opts.headers,
    timeout: opts.timeoutMs ?? 10_000,
    agent: false,
  };
  if (isHttps && opts.caFile) reqOpts.ca = fs.readFileSync(opts.caFile);
  return new Promise((resolve, reject) => {
    const req = (isHttps ? https : http).request(u, reqOpts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout requesting ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
