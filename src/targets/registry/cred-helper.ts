import { spawn } from 'node:child_process';
import { ErrorCodes, OrasdError } from '../../errors';

/** The whole environment a helper runs with: built from the caller's, never the daemon's. */
export type HelperEnv = Record<string, string>;

export const HELPER_TIMEOUT_MS = 10_000;

/** Docker's helpers say this (or close to it) on stdout when they hold nothing for a server. */
export function isNotFoundOutput(s: string): boolean {
  return /credentials not found/i.test(s);
}

export class HelperNotFound extends Error {}

/**
 * Runs `docker-credential-<name> <action>` with the docker helper protocol: the input on stdin,
 * JSON (or nothing) on stdout. The caller's PATH finds the helper, as it would for their docker;
 * `env` is all the helper sees, so one user's daemon environment never reaches another's helper.
 */
export function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string, env: HelperEnv, timeoutMs = HELPER_TIMEOUT_MS): Promise<string> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return Promise.reject(new OrasdError(ErrorCodes.CredentialHelperFailed, `invalid credential helper name "${name}"`));
  }
  return new Promise((resolve, reject) => {
    // spawn looks the program up on env.PATH when env is given.
    const child = spawn(program, [action], { env: { ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new OrasdError(ErrorCodes.CredentialHelperFailed, `${program} ${action} did not finish within ${timeoutMs} ms`, { hint: `check that ${program} works without prompting` }));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(new HelperNotFound(`${program} not found on PATH`));
        return;
      }
      reject(new OrasdError(ErrorCodes.CredentialHelperFailed, `cannot run ${program}: ${e.message}`));
    });
    child.on('close', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (code === 0) {
        resolve(out);
        return;
      }
      const said = (out.trim() || err.trim()).split('\n')[0]!.slice(0, 200);
      if (isNotFoundOutput(said)) {
        reject(new HelperCredentialsNotFound(said));
        return;
      }
      // Helper output is not trusted to be secret-free beyond its first line, which is an error message.
      reject(new OrasdError(ErrorCodes.CredentialHelperFailed, `${program} ${action} failed (exit ${code}): ${said}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export class HelperCredentialsNotFound extends Error {}
