// The API tests use: real registries (distribution, refreg), the real oras CLI,
// and the registries shared by a whole `npm test` run.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDistribution } from './distribution';
import { startOlareg } from './olareg';
import { startRefRegistry } from './refreg';
import type { Tools } from './tools';
import type { RunningRegistry } from './types';

export type { DistributionOptions } from './distribution';
export { DEFAULT_USERS, startDistribution } from './distribution';
export { httpRequest, type HttpOptions, type HttpResponse } from './http';
export type { RefRegistryOptions } from './refreg';
export { startRefRegistry } from './refreg';
export { startOlareg, type OlaregOptions } from './olareg';
export { makeTlsFiles, type TlsFiles } from './tls';
export { ensureTools, repoRoot, type Tools } from './tools';
export type { RunningRegistry, RunningTokenServer, TokenStats, User } from './types';

export interface OrasResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface OrasOptions {
  cwd?: string;
  /** Added to the environment; without DOCKER_CONFIG a fresh empty one is used for this call only. */
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** Runs the real oras CLI; never touches the developer's own credentials. */
export function oras(tools: Tools, args: string[], opts: OrasOptions = {}): Promise<OrasResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  let ownConfig: string | undefined;
  if (!opts.env?.DOCKER_CONFIG) {
    ownConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-dockercfg-'));
    env.DOCKER_CONFIG = ownConfig;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(tools.oras, args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    const cleanup = () => {
      clearTimeout(timer);
      if (ownConfig) fs.rmSync(ownConfig, { recursive: true, force: true });
    };
    child.on('error', (e) => {
      cleanup();
      reject(e);
    });
    child.on('close', (code, signal) => {
      cleanup();
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: signal ? `${stderr}\n(oras killed by ${signal})` : stderr,
      });
    });
    // oras may exit without reading its stdin; the broken pipe is not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export interface SharedRegistries {
  distribution: RunningRegistry;
  refreg: RunningRegistry;
  olareg: RunningRegistry;
}

export const SHARED_REGISTRIES_ENV = 'ORASD_TEST_REGISTRIES';

type Described = Omit<RunningRegistry, 'stop' | 'auth'>;

/** What the runner puts in ORASD_TEST_REGISTRIES (anonymous, plain-HTTP registries). */
export function describeSharedRegistries(r: SharedRegistries): string {
  const strip = ({ kind, host, url, referrersApi, compliantReferrers, tls, storageDir, logFile }: RunningRegistry): Described =>
    ({ kind, host, url, referrersApi, compliantReferrers, tls, storageDir, logFile });
  return JSON.stringify({ distribution: strip(r.distribution), refreg: strip(r.refreg), olareg: strip(r.olareg) });
}

let shared: Promise<SharedRegistries> | undefined;

/**
 * One anonymous plain-HTTP distribution and one refreg for the whole run: the
 * runner's (via ORASD_TEST_REGISTRIES), or started here when a test file runs
 * alone. Repository names should be unique per test since the registries are
 * shared; stop() is a no-op here, the owner stops them.
 */
export function getSharedRegistries(): Promise<SharedRegistries> {
  shared ??= (async () => {
    const fromEnv = process.env[SHARED_REGISTRIES_ENV];
    if (fromEnv) {
      const d = JSON.parse(fromEnv) as { distribution: Described; refreg: Described; olareg: Described };
      const noStop = async () => {};
      return { distribution: { ...d.distribution, stop: noStop }, refreg: { ...d.refreg, stop: noStop }, olareg: { ...d.olareg, stop: noStop } };
    }
    // Started for this process only; the exit hook in process.ts stops them.
    const [distribution, refreg, olareg] = await Promise.all([startDistribution(), startRefRegistry({ compliantReferrers: true }), startOlareg()]);
    const noStop = async () => {};
    return { distribution: { ...distribution, stop: noStop }, refreg: { ...refreg, stop: noStop }, olareg: { ...olareg, stop: noStop } };
  })();
  return shared;
}
