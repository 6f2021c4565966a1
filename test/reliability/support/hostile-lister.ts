// A hostile registry on loopback (node http) whose listings never end well: endless pages of
// distinct tags, repositories or referrers, page bodies that never end or announce a gigabyte,
// and Link headers that point back to a page already sent. Each repository name picks its
// behaviour; every repository serves one small, valid image (the subject) so that discover and
// copy get as far as the listing.
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY = Buffer.from('{}');
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const EMPTY_DIGEST = sha(EMPTY);
const SUBJECT = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 }, layers: [] }),
);

/**
 * What a listing of a repository does, by the repository's name (its last path segment):
 * - `many-<n>`: endless pages of n distinct entries each, linked by `?page=k+1`
 * - `endless-body`: one page whose body never ends (chunked, no length)
 * - `declared-huge`: one page that announces 1 GiB and sends a little
 * - `self-link`: one page linking to itself, the very URL asked for
 * - `cycle`: two pages linking to each other
 */
export type ListingBehaviour = string;

export interface HostileLister {
  host: string;
  url: string;
  subject: { mediaType: string; digest: string; size: number };
  /** Listing requests answered, by behaviour. */
  requests: Record<string, number>;
  /** Bytes of listing bodies written. */
  bytesServed: number;
  /** What `GET /v2/_catalog` does (same names as for repositories). */
  catalog: ListingBehaviour;
  stop(): Promise<void>;
}

function names(field: 'tags' | 'repositories', page: number, n: number): string {
  const prefix = field === 'tags' ? 't' : 'r/';
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = `"${prefix}${page}-${i}"`;
  return `{"${field === 'tags' ? 'tags' : 'repositories'}":[${out.join(',')}]}`;
}

function referrers(page: number, n: number): string {
  const out = new Array<string>(n);
  const p = page.toString(16).padStart(8, '0');
  for (let i = 0; i < n; i++) {
    out[i] = `{"mediaType":"${MANIFEST}","digest":"sha256:${p}${i.toString(16).padStart(56, '0')}","size":512,"artifactType":"application/vnd.test.sig"}`;
  }
  return `{"schemaVersion":2,"mediaType":"${INDEX}","manifests":[${out.join(',')}]}`;
}

export async function startHostileLister(): Promise<HostileLister> {
  const state: HostileLister = {
    host: '',
    url: '',
    subject: { mediaType: MANIFEST, digest: sha(SUBJECT), size: SUBJECT.length },
    requests: {},
    bytesServed: 0,
    catalog: 'many-100000',
    stop: async () => undefined,
  };

  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}) => {
    const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
    res.writeHead(status, { 'content-type': type, 'content-length': String(b.length), ...headers });
    res.end(b);
  };

  /** Writes `head` then `unit` again and again until the client hangs up. */
  const endless = (res: ServerResponse, type: string, head: string, unit: string) => {
    res.writeHead(200, { 'content-type': type });
    const chunk = Buffer.from(unit.repeat(Math.ceil(65536 / unit.length)));
    res.write(head);
    const pump = () => {
      while (!res.destroyed && !res.writableEnded) {
        state.bytesServed += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('error', () => undefined);
    pump();
  };

  const listing = (res: ServerResponse, url: URL, behaviour: string, kind: 'tags' | 'repositories' | 'referrers') => {
    state.requests[behaviour] = (state.requests[behaviour] ?? 0) + 1;
    const type = kind === 'referrers' ? INDEX : 'application/json';
    const page = Number(url.searchParams.get('page') ?? 0);
    const body = (k: number, n: number) => (kind === 'referrers' ? referrers(k, n) : names(kind, k, n));
    const link = (query: string) => ({ link: `<${url.pathname}${query}>; rel="next"` });
    const many = /^many-(\d+)$/.exec(behaviour);
    let out: string;
    let headers: Record<string, string> = {};
    if (many) {
      out = body(page, Number(many[1]));
      headers = link(`?page=${page + 1}`);
    } else if (behaviour === 'endless-body') {
      const [head, unit] = kind === 'referrers'
        ? [`{"schemaVersion":2,"mediaType":"${INDEX}","manifests":[`, `{"mediaType":"${MANIFEST}","digest":"${EMPTY_DIGEST}","size":2},`]
        : [`{"${kind}":[`, '"x",'];
      return endless(res, type, head, unit);
    } else if (behaviour === 'declared-huge') {
      res.writeHead(200, { 'content-type': type, 'content-length': String(2 ** 30) });
      res.on('error', () => undefined);
      res.write(kind === 'referrers' ? `{"schemaVersion":2,"mediaType":"${INDEX}","manifests":[` : `{"${kind}":[`);
      return; // and nothing more: the client must not wait for the gigabyte
    } else if (behaviour === 'self-link') {
      out = body(0, 3);
      headers = { link: `<${url.pathname}${url.search}>; rel="next"` };
    } else if (behaviour === 'cycle') {
      const which = url.searchParams.get('page') === 'b' ? 'b' : 'a';
      out = body(which === 'a' ? 1 : 2, 3);
      headers = link(`?page=${which === 'a' ? 'b' : 'a'}`);
    } else {
      out = body(0, 0);
    }
    state.bytesServed += out.length;
    send(res, 200, type, out, headers);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (p === '/v2/' || p === '/v2') return send(res, 200, 'application/json', '{}');
    if (p === '/v2/_catalog') return listing(res, url, state.catalog, 'repositories');
    if ((m = /^\/v2\/(.+)\/tags\/list$/.exec(p))) return listing(res, url, m[1]!.split('/').pop()!, 'tags');
    if ((m = /^\/v2\/(.+)\/referrers\/[^/]+$/.exec(p))) return listing(res, url, m[1]!.split('/').pop()!, 'referrers');
    if (/^\/v2\/.+\/manifests\/[^/]+$/.test(p)) {
      if (p.endsWith(state.subject.digest) || /\/manifests\/v1$/.test(p)) {
        return send(res, 200, MANIFEST, req.method === 'HEAD' ? Buffer.alloc(0) : SUBJECT, { 'docker-content-digest': state.subject.digest, ...(req.method === 'HEAD' ? { 'content-length': String(SUBJECT.length) } : {}) });
      }
    }
    if (p.endsWith(`/blobs/${EMPTY_DIGEST}`)) return send(res, 200, 'application/octet-stream', req.method === 'HEAD' ? Buffer.alloc(0) : EMPTY, { 'docker-content-digest': EMPTY_DIGEST, ...(req.method === 'HEAD' ? { 'content-length': '2' } : {}) });
    send(res, 404, 'application/json', JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'not here' }] }));
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  state.host = `127.0.0.1:${port}`;
  state.url = `http://${state.host}`;
  state.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
