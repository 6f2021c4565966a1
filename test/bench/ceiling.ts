// The delay proxy's own ceiling for large transfers, measured in the same run as the tools: curl
// (C, OpenSSL, no hashing, body to /dev/null or from the page cache) pushing and pulling the same
// blob through the same proxy, once over HTTP/1.1 (what orasd speaks) and once over h2 (what oras
// negotiates). A tool within 10 % of the ceiling of its protocol is bounded by the harness: the
// result says how fast the proxy is, not how fast the tool is.
import { spawnSync } from 'node:child_process';
import type { BenchContext } from './context';

export type Proto = 'http/1.1' | 'h2';

export interface Ceiling {
  /** MiB/s per protocol. */
  push: Record<Proto, number>;
  pull: Record<Proto, number>;
}

/** Within this share of the ceiling a result counts as bounded by the harness. */
export const BOUNDED_WITHIN = 0.1;

function curl(args: string[]): { out: string; code: number; err: string } {
  const r = spawnSync('curl', ['--silent', '--show-error', ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return { out: r.stdout ?? '', code: r.status ?? 1, err: r.stderr ?? '' };
}

/**
 * Push and pull of `file` (its digest and size given) to and from a new repository of registry A
 * through the proxy, with a token from the bench's token server, per protocol. MiB/s as curl
 * reports it (body bytes over the transfer's time).
 */
export function measureCeiling(ctx: BenchContext, file: string, digest: string, size: number): Ceiling {
  const { reg } = ctx;
  const repo = ctx.unique('bench/ceiling');
  const scope = encodeURIComponent(`repository:${repo}:pull,push`);
  const tok = curl(['--cacert', ctx.ca, '-u', `${reg.user.username}:${reg.user.password}`, `https://${reg.token}/token?service=${encodeURIComponent(reg.tokenServer.service)}&scope=${scope}`]);
  const token = (JSON.parse(tok.out || '{}') as { token?: string }).token;
  if (!token) throw new Error(`ceiling: no token from the token server: ${tok.err || tok.out}`);
  const auth = ['-H', `Authorization: Bearer ${token}`, '--cacert', ctx.ca];
  const result: Ceiling = { push: { 'http/1.1': NaN, h2: NaN }, pull: { 'http/1.1': NaN, h2: NaN } };
  for (const proto of ['http/1.1', 'h2'] as const) {
    const version = proto === 'h2' ? '--http2' : '--http1.1';
    const post = curl([version, ...auth, '-X', 'POST', '-o', '/dev/null', '-D', '-', `https://${reg.a}/v2/${repo}/blobs/uploads/`]);
    const location = /^location:\s*(\S+)/im.exec(post.out)?.[1];
    if (!location) throw new Error(`ceiling: upload session without Location: ${post.err || post.out.slice(0, 500)}`);
    const url = new URL(location, `https://${reg.a}`);
    url.searchParams.set('digest', digest);
    const put = curl([version, ...auth, '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '-T', file, '-o', '/dev/null', '-w', '%{http_code} %{speed_upload} %{size_upload}', url.toString()]);
    const [code, upSpeed, upSize] = put.out.trim().split(' ');
    if (code !== '201' || Number(upSize) !== size) throw new Error(`ceiling: upload answered ${code} after ${upSize} bytes: ${put.err}`);
    result.push[proto] = Number(upSpeed) / 2 ** 20;
    const get = curl([version, ...auth, '-L', '-o', '/dev/null', '-w', '%{http_code} %{speed_download} %{size_download}', `https://${reg.a}/v2/${repo}/blobs/${digest}`]);
    const [gcode, downSpeed, downSize] = get.out.trim().split(' ');
    if (gcode !== '200' || Number(downSize) !== size) throw new Error(`ceiling: download answered ${gcode} after ${downSize} bytes: ${get.err}`);
    result.pull[proto] = Number(downSpeed) / 2 ** 20;
  }
  return result;
}

/** The protocol a tool's connections negotiated in a phase (the most used one). */
export function mainProtocol(protocols: Record<string, number>): Proto {
  return (protocols.h2 ?? 0) > (protocols['http/1.1'] ?? 0) ? 'h2' : 'http/1.1';
}
