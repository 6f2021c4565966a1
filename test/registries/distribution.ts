// CNCF distribution v3 ("registry serve") on 127.0.0.1 with filesystem storage
// in a temp dir, optionally with TLS and htpasswd or token auth.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { httpRequest } from './http';
import { makeTempDir, removeTempDir, startServer, tailOf, type ServerProcess } from './process';
import { makeTlsFiles, type TlsFiles } from './tls';
import { startTokenServer, writeHtpasswd } from './tokenserver';
import { ensureTools } from './tools';
import type { RunningRegistry, RunningTokenServer, User } from './types';

export const DEFAULT_USERS: User[] = [{ username: 'orasd-user', password: 'orasd-pass' }];

export interface DistributionOptions {
  auth?: 'basic' | 'token';
  tls?: boolean;
  users?: User[];
  /** Token auth: expires_in and JWT lifetime, seconds (distribution adds 60 s leeway). */
  tokenExpiresIn?: number;
  /** Token auth: anonymous clients may pull (basic auth has no anonymous access). */
  anonymousPull?: boolean;
  /** Token auth: these users get pull only. */
  pullOnlyUsers?: string[];
  /** Token auth: added to the JWT exp claim only; see TokenServerOptions.jwtExpSkew. */
  tokenJwtExpSkew?: number;
  /** Trust a token server started elsewhere (the bench's, reached through its proxy) instead of `auth`. */
  externalToken?: ExternalTokenAuth;
  /** Log warnings only, no access log (benchmarks). */
  quiet?: boolean;
}

/** distribution's auth.token settings for a token server it does not own. */
export interface ExternalTokenAuth {
  realm: string;
  service: string;
  issuer: string;
  rootcertbundle: string;
}

const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 20_000;

export async function startDistribution(opts: DistributionOptions = {}): Promise<RunningRegistry> {
  const tools = await ensureTools();
  const dir = makeTempDir('orasd-distribution-');
  const dataDir = path.join(dir, 'data');
  const users = opts.users ?? DEFAULT_USERS;
  let tokenServer: RunningTokenServer | undefined;
  try {
    const tls = opts.tls ? await makeTlsFiles(path.join(dir, 'tls')) : undefined;
    let authYaml = '';
    if (opts.auth) {
      const htpasswd = path.join(dir, 'htpasswd');
      await writeHtpasswd(tools, users, htpasswd);
      if (opts.auth === 'basic') {
        authYaml = `auth:\n  htpasswd:\n    realm: orasd-test\n    path: ${q(htpasswd)}\n`;
      } else {
        tokenServer = await startTokenServer(tools, {
          dir, htpasswdFile: htpasswd, tls, expiresIn: opts.tokenExpiresIn,
          anonymousPull: opts.anonymousPull, pullOnlyUsers: opts.pullOnlyUsers, jwtExpSkew: opts.tokenJwtExpSkew,
        });
        authYaml = tokenYaml({ realm: tokenServer.realm, service: tokenServer.service, issuer: tokenServer.issuer, rootcertbundle: tokenServer.signingCertFile });
      }
    } else if (opts.externalToken) authYaml = tokenYaml(opts.externalToken);

    const scheme = tls ? 'https' : 'http';
    const logFile = path.join(dir, 'registry.log');
    // The free-port probe can race with another process; distribution then exits
    // with "address already in use" and we try another port.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const host = `127.0.0.1:${port}`;
      const configFile = path.join(dir, 'config.yml');
      fs.writeFileSync(configFile, configYaml({ host, dataDir, tls, authYaml, quiet: !!opts.quiet }));
      const proc = startServer(tools, tools.registry, ['serve', configFile], { logFile, env: distributionEnv(), cleanupDir: dir });
      const url = `${scheme}://${host}`;
      const ready = await waitReady(url, proc, tls?.caFile);
      if (ready === 'ready') {
        proc.unref();
        const ts = tokenServer;
        return {
          kind: 'distribution',
          host,
          url,
          referrersApi: false,
          tls: tls ? { caFile: tls.caFile } : undefined,
          auth: opts.auth ? { kind: opts.auth, users, tokenServer: ts } : undefined,
          storageDir: dataDir,
          logFile,
          async stop() {
            await proc.stop();
            await ts?.stop();
            removeTempDir(dir);
          },
        };
      }
      const log = tailOf(logFile);
      if (ready === 'exited' && /address already in use/.test(log) && attempt < START_ATTEMPTS) continue;
      await proc.stop();
      throw new Error(`distribution did not become ready on ${url} (${ready}); log ${logFile}:\n${log}`);
    }
  } catch (e) {
    await tokenServer?.stop();
    throw e;
  }
}

function q(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
}

function tokenYaml(t: ExternalTokenAuth): string {
  return `auth:\n  token:\n    realm: ${q(t.realm)}\n    service: ${q(t.service)}\n    issuer: ${q(t.issuer)}\n    rootcertbundle: ${q(t.rootcertbundle)}\n`;
}

function configYaml(c: { host: string; dataDir: string; tls?: TlsFiles; authYaml: string; quiet: boolean }): string {
  return [
    'version: 0.1',
    'log:',
    `  level: ${c.quiet ? 'warn' : 'info'}`,
    '  formatter: text',
    ...(c.quiet ? ['  accesslog:', '    disabled: true'] : []),
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(c.dataDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${q(c.host)}`,
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
    ...(c.tls ? ['  tls:', `    certificate: ${q(c.tls.certFile)}`, `    key: ${q(c.tls.keyFile)}`] : []),
    'health:',
    '  storagedriver:',
    '    enabled: false',
    '',
  ].join('\n') + c.authYaml;
}

function distributionEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // REGISTRY_* variables override the config file; a developer's must not leak in.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_')) env[k] = v;
  // v3 always initialises OpenTelemetry; its default OTLP exporter would try localhost:4318.
  env.OTEL_TRACES_EXPORTER = 'none';
  return env;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitReady(url: string, proc: ServerProcess, caFile?: string): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.hasExited()) return 'exited';
    try {
      const res = await httpRequest(`${url}/v2/`, { caFile, timeoutMs: 2_000 });
      if (res.status === 200 || res.status === 401) return 'ready';
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'timeout';
}
