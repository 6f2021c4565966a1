// Starts go/cmd/tokenserver: the bearer-token issuer distribution's token auth
// points clients to. See go/cmd/tokenserver for the token format.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { httpRequest } from './http';
import { parseListening, startServer } from './process';
import type { Tools } from './tools';
import type { RunningTokenServer, TokenStats, User } from './types';

export const TOKEN_SERVICE = 'orasd-test-registry';
export const TOKEN_ISSUER = 'orasd-test-issuer';

export interface TokenServerOptions {
  dir: string;
  htpasswdFile: string;
  tls?: { certFile: string; keyFile: string; caFile: string };
  expiresIn?: number;
  /**
   * Added to the JWT exp claim only (expires_in is not changed). distribution
   * accepts a token until exp + 60 s, so a skew below -(expiresIn + 60), e.g.
   * expiresIn 60 and skew -125, issues tokens it rejects at once.
   */
  jwtExpSkew?: number;
  anonymousPull?: boolean;
  pullOnlyUsers?: string[];
  /** Put the signing cert in the JWT x5c header instead of relying on kid alone. */
  x5c?: boolean;
}

export async function writeHtpasswd(tools: Tools, users: User[], file: string): Promise<void> {
  const { stdout } = await promisify(execFile)(tools.bcrypt, users.map((u) => `${u.username}:${u.password}`));
  fs.writeFileSync(file, stdout, { mode: 0o600 });
}

export async function startTokenServer(tools: Tools, opts: TokenServerOptions): Promise<RunningTokenServer> {
  const signingCertFile = path.join(opts.dir, 'token-signer.pem');
  const args = [
    '--addr', '127.0.0.1:0',
    '--users', opts.htpasswdFile,
    '--issuer', TOKEN_ISSUER,
    '--service', TOKEN_SERVICE,
    '--rootcertbundle-out', signingCertFile,
    '--expires-in', String(opts.expiresIn ?? 300),
    '--jwt-exp-skew', String(opts.jwtExpSkew ?? 0),
  ];
  if (opts.anonymousPull) args.push('--anonymous-pull');
  if (opts.pullOnlyUsers?.length) args.push('--pull-only', opts.pullOnlyUsers.join(','));
  if (opts.x5c) args.push('--x5c');
  if (opts.tls) args.push('--tls-cert', opts.tls.certFile, '--tls-key', opts.tls.keyFile);

  const proc = startServer(tools, tools.tokenserver, args, { logFile: path.join(opts.dir, 'tokenserver.log'), firstLine: true });
  let host: string;
  try {
    host = parseListening(await proc.firstLine);
    proc.unref();
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const url = `${opts.tls ? 'https' : 'http'}://${host}`;
  const caFile = opts.tls?.caFile;
  const stats = async (): Promise<TokenStats> => {
    const res = await httpRequest(`${url}/stats`, { caFile });
    if (res.status !== 200) throw new Error(`token server /stats: HTTP ${res.status}`);
    return res.json<TokenStats>();
  };
  return {
    url,
    realm: `${url}/token`,
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    signingCertFile,
    stats,
    tokenRequests: async () => (await stats()).tokenRequests,
    resetStats: async () => {
      await httpRequest(`${url}/stats/reset`, { method: 'POST', caFile });
    },
    logFile: proc.logFile,
    stop: () => proc.stop(),
  };
}
