// The bench's registries: one bearer-token server and two CNCF distribution registries (A, B)
// that trust it, plus a go-containerregistry registry with the referrers API (anonymous), all
// reached only through the delay proxy, which terminates TLS with the bench CA. Credentials for
// A and B sit in one docker config that both tools read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDistribution } from '../registries/distribution';
import { httpRequest } from '../registries/http';
import { makeTempDir, removeTempDir } from '../registries/process';
import { startRefRegistry } from '../registries/refreg';
import { makeTlsFiles, type TlsFiles } from '../registries/tls';
import { startTokenServer, writeHtpasswd } from '../registries/tokenserver';
import { ensureTools, type Tools } from '../registries/tools';
import type { RunningRegistry, RunningTokenServer } from '../registries/types';
import { startDelayProxy, type DelayProxy } from './delay-proxy';

export interface BenchRegistries {
  dir: string;
  tools: Tools;
  tls: TlsFiles;
  proxy: DelayProxy;
  /** host:port as the tools see them (the proxy's public ports). */
  a: string;
  b: string;
  /** ggcr with the referrers API, anonymous. */
  ref: string;
  token: string;
  /** Folder holding config.json with credentials for a and b (DOCKER_CONFIG). */
  dockerConfigDir: string;
  dockerConfig: string;
  user: { username: string; password: string };
  tokenServer: RunningTokenServer;
  stop(): Promise<void>;
}

export async function startBenchRegistries(opts: { rttMs: number; alpn: string[] }): Promise<BenchRegistries> {
  const tools = await ensureTools();
  const dir = makeTempDir('orasd-bench-');
  const tls = await makeTlsFiles(path.join(dir, 'tls'));
  const user = { username: 'bench-user', password: 'bench-pass' };
  const htpasswd = path.join(dir, 'htpasswd');
  await writeHtpasswd(tools, [user], htpasswd);
  const proxy = await startDelayProxy({ rttMs: opts.rttMs, certFile: tls.certFile, keyFile: tls.keyFile, alpn: opts.alpn });
  const stops: Array<() => Promise<void>> = [() => proxy.stop()];
  try {
    const tokenServer = await startTokenServer(tools, { dir, htpasswdFile: htpasswd, expiresIn: 300 });
    stops.push(() => tokenServer.stop());
    const token = await proxy.listen('token', tokenServer.url);
    const registries: Record<'a' | 'b', string> = { a: '', b: '' };
    for (const name of ['a', 'b'] as const) {
      // Plain HTTP: the proxy does TLS; the realm is the token server as the proxy serves it.
      const d = await startDistribution({
        quiet: true,
        externalToken: { realm: `https://${token}/token`, service: tokenServer.service, issuer: tokenServer.issuer, rootcertbundle: tokenServer.signingCertFile },
      });
      stops.push(() => d.stop());
      registries[name] = await proxy.listen(name, d.url);
    }
    const refreg: RunningRegistry = await startRefRegistry({ quiet: true, compliantReferrers: true });
    stops.push(() => refreg.stop());
    const ref = await proxy.listen('ref', refreg.url);

    const dockerConfigDir = path.join(dir, 'docker');
    fs.mkdirSync(dockerConfigDir, { recursive: true, mode: 0o700 });
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    const dockerConfig = path.join(dockerConfigDir, 'config.json');
    fs.writeFileSync(dockerConfig, JSON.stringify({ auths: { [registries.a]: { auth }, [registries.b]: { auth } } }, null, 2), { mode: 0o600 });

    // Both registries answer through the proxy with the bench CA.
    for (const host of [registries.a, registries.b, ref]) {
      const res = await httpRequest(`https://${host}/v2/`, { caFile: tls.caFile, timeoutMs: 10_000 });
      if (res.status !== 200 && res.status !== 401) throw new Error(`https://${host}/v2/ answered ${res.status}`);
    }
    await proxy.take(0);
    return {
      dir,
      tools,
      tls,
      proxy,
      a: registries.a,
      b: registries.b,
      ref,
      token,
      dockerConfigDir,
      dockerConfig,
      user,
      tokenServer,
      stop: async () => {
        for (const s of stops.reverse()) await s().catch(() => undefined);
        removeTempDir(dir);
      },
    };
  } catch (e) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw e;
  }
}

export { makeTempDir, removeTempDir };
