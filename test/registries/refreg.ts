// go/cmd/refreg: go-containerregistry's registry with the OCI referrers API.
import * as path from 'node:path';
import { makeTempDir, parseListening, removeTempDir, startServer } from './process';
import { makeTlsFiles } from './tls';
import { ensureTools } from './tools';
import type { RunningRegistry } from './types';

export interface RefRegistryOptions {
  tls?: boolean;
  /** Keep blobs on disk (storageDir) instead of in memory; manifests are always in memory. */
  diskBlobs?: boolean;
  /** Do not log every request (for benchmarks). */
  quiet?: boolean;
  /**
   * Fill ggcr's referrers gaps: OCI-Subject on manifest PUT, artifactType taken
   * from the manifest, server-side ?artifactType= filter with OCI-Filters-Applied
   * (go/cmd/refreg/compliant.go). Off: plain ggcr behaviour.
   */
  compliantReferrers?: boolean;
  /** With compliantReferrers: referrers listings in pages of this many, linked by `Link: <…>; rel="next"`. */
  referrersPageSize?: number;
}

export async function startRefRegistry(opts: RefRegistryOptions = {}): Promise<RunningRegistry> {
  const tools = await ensureTools();
  const dir = makeTempDir('orasd-refreg-');
  const tls = opts.tls ? await makeTlsFiles(path.join(dir, 'tls')) : undefined;
  const args = ['--addr', '127.0.0.1:0'];
  if (tls) args.push('--tls-cert', tls.certFile, '--tls-key', tls.keyFile);
  const storageDir = opts.diskBlobs ? path.join(dir, 'blobs') : undefined;
  if (storageDir) args.push('--blob-dir', storageDir);
  if (opts.quiet) args.push('--quiet');
  if (opts.compliantReferrers) args.push('--compliant-referrers');
  if (opts.referrersPageSize) args.push('--referrers-page-size', String(opts.referrersPageSize));

  const logFile = path.join(dir, 'refreg.log');
  const proc = startServer(tools, tools.refreg, args, { logFile, firstLine: true, cleanupDir: dir });
  let host: string;
  try {
    host = parseListening(await proc.firstLine);
    proc.unref();
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return {
    kind: 'refreg',
    host,
    url: `${tls ? 'https' : 'http'}://${host}`,
    referrersApi: true,
    compliantReferrers: !!opts.compliantReferrers,
    tls: tls ? { caFile: tls.caFile } : undefined,
    storageDir,
    logFile,
    async stop() {
      await proc.stop();
      removeTempDir(dir);
    },
  };
}
