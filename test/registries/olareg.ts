// olareg (github.com/olareg/olareg, unchanged upstream, built by tools.ts): a registry that serves
// the OCI 1.1 referrers API by itself, with deletes enabled, content in memory.
import * as path from 'node:path';
import { freePort, waitReady } from './distribution';
import { makeTempDir, removeTempDir, startServer, tailOf } from './process';
import { makeTlsFiles } from './tls';
import { ensureTools } from './tools';
import type { RunningRegistry } from './types';

export interface OlaregOptions {
  tls?: boolean;
}

const START_ATTEMPTS = 5;

export async function startOlareg(opts: OlaregOptions = {}): Promise<RunningRegistry> {
  const tools = await ensureTools();
  const dir = makeTempDir('orasd-olareg-');
  const tls = opts.tls ? await makeTlsFiles(path.join(dir, 'tls')) : undefined;
  const logFile = path.join(dir, 'olareg.log');
  // olareg does not print the port it got for --port 0: probe a free one, retry if it was taken.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const url = `${tls ? 'https' : 'http'}://${host}`;
    const args = ['serve', '--addr', '127.0.0.1', '--port', String(port), '--store-type', 'mem', '--api-delete', '--api-blob-delete', '-v', 'info'];
    if (tls) args.push('--tls-cert', tls.certFile, '--tls-key', tls.keyFile);
    const proc = startServer(tools, tools.olareg, args, { logFile, cleanupDir: dir });
    const ready = await waitReady(url, proc, tls?.caFile);
    if (ready === 'ready') {
      proc.unref();
      return {
        kind: 'olareg',
        host,
        url,
        referrersApi: true,
        tls: tls ? { caFile: tls.caFile } : undefined,
        logFile,
        async stop() {
          await proc.stop();
          removeTempDir(dir);
        },
      };
    }
    const log = tailOf(logFile);
    await proc.stop();
    if (ready === 'exited' && /address already in use/.test(log) && attempt < START_ATTEMPTS) continue;
    removeTempDir(dir);
    throw new Error(`olareg did not become ready on ${url} (${ready}); log ${logFile}:\n${log}`);
  }
}
