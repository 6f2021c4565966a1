// The bench's registries: one bearer-token server and two CNCF distribution registries (A, B)
// that trust it, plus a go-containerregistry registry with the referrers API (anonymous), all
// reached only through the delay proxy, which terminates TLS with the bench CA. Credentials for
// A and B sit in one docker config that both tools read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../registries/distribution';
import { httpRequest } from '../registries/http';
import { makeTempDir, removeTempDir, startServer, tailOf, type ServerProcess } from '../registries/process';
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
      const d = await startPlainDistribution(tools, path.join(dir, `dist-${name}`), {
        realm: `https://${token}/token`,
        service: tokenServer.service,
        issuer: tokenServer.issuer,
        rootcertbundle: tokenServer.signingCertFile,
      });
      stops.push(d.stop);
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

interface TokenAuth {
  realm: string;
  service: string;
  issuer: string;
  rootcertbundle: string;
}

/** distribution v3 on plain HTTP (the proxy does TLS), token auth through the proxied realm. */
async function startPlainDistribution(tools: Tools, dir: string, auth: TokenAuth): Promise<{ url: string; stop: () => Promise<void> }> {
  fs.mkdirSync(dir, { recursive: true });
  const q = (s: string) => JSON.stringify(s);
  const logFile = path.join(dir, 'registry.log');
  for (let attempt = 1; ; attempt++) {
    const host = `127.0.0.1:${await freePort()}`;
    const config = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  formatter: text',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${q(path.join(dir, 'data'))}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: ${q(host)}`,
      `  secret: ${q(randomBytes(16).toString('hex'))}`,
      'health:',
      '  storagedriver:',
      '    enabled: false',
      'auth:',
      '  token:',
      `    realm: ${q(auth.realm)}`,
      `    service: ${q(auth.service)}`,
      `    issuer: ${q(auth.issuer)}`,
      `    rootcertbundle: ${q(auth.rootcertbundle)}`,
      '',
    ].join('\n');
    const configFile = path.join(dir, 'config.yml');
    fs.writeFileSync(configFile, config);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_')) env[k] = v;
    env.OTEL_TRACES_EXPORTER = 'none';
    const proc: ServerProcess = startServer(tools, tools.registry, ['serve', configFile], { logFile, env, cleanupDir: dir });
    const url = `http://${host}`;
    const deadline = Date.now() + 20_000;
    let ready = false;
    while (Date.now() < deadline && !proc.hasExited()) {
      try {
        const res = await httpRequest(`${url}/v2/`, { timeoutMs: 2_000 });
        if (res.status === 200 || res.status === 401) {
          ready = true;
          break;
        }
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (ready) {
      proc.unref();
      return { url, stop: () => proc.stop() };
    }
    await proc.stop();
    const log = tailOf(logFile);
    if (/address already in use/.test(log) && attempt < 5) continue;
    throw new Error(`distribution did not start on ${url}; log ${logFile}:\n${log}`);
  }
}

export { makeTempDir, removeTempDir };
