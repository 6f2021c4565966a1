import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { forwardedEnv } from '../../../protocol/caller-env';
import { ErrorCodes, OrasdError } from '../../errors';

/**
 * The environment of the client a request came from (protocol/caller-env.ts): what it forwarded
 * with `cli/run` or `initialize`, nothing else. The daemon's own environment belongs to whichever
 * client happened to start it, so no per-user setting is ever read from process.env.
 */
export type CallerEnv = Readonly<Record<string, string>>;

/** Where a helper looks when the caller sent no PATH: the system folders, the same for every user. */
export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The user database is read once: the daemon's uid does not change. */
let accountHomeMemo: string | undefined | null = null;

/**
 * The account's home folder from the user database (os.homedir() would read the daemon's $HOME);
 * undefined for a uid without one (some containers).
 */
export function accountHome(): string | undefined {
  if (accountHomeMemo === null) {
    try {
      accountHomeMemo = userInfo().homedir || undefined;
    } catch {
      accountHomeMemo = undefined;
    }
  }
  return accountHomeMemo;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v ? v : undefined;
}

/**
 * The caller's docker config.json as oras finds it: DOCKER_CONFIG, else HOME, else the account's
 * home; undefined when there is no home at all (then there are no stored credentials).
 */
export function dockerConfigFile(env: CallerEnv | undefined): string | undefined {
  const dir = nonEmpty(env?.DOCKER_CONFIG);
  if (dir) return path.join(dir, 'config.json');
  const home = nonEmpty(env?.HOME) ?? accountHome();
  return home ? path.join(home, '.docker', 'config.json') : undefined;
}

/** The config file login and logout write: they need one, so its absence is an error that says what to send. */
export function requireDockerConfigFile(env: CallerEnv | undefined): string {
  const file = dockerConfigFile(env);
  if (file) return file;
  throw new OrasdError(ErrorCodes.InvalidArgument, 'the client sent neither DOCKER_CONFIG nor HOME and this account has no home folder: there is no docker config to write', {
    hint: 'forward HOME or DOCKER_CONFIG from the client, or pass registryConfig',
  });
}

/** Everything a credential helper runs with: the caller's forwarded variables, a PATH and a HOME. */
export function helperEnv(env: CallerEnv | undefined): Record<string, string> {
  const out = forwardedEnv(env ?? {});
  if (!out.PATH) out.PATH = DEFAULT_PATH;
  const home = out.HOME || accountHome();
  if (home) out.HOME = home;
  return out;
}

/**
 * A short name for what decides a helper's answer besides the config file (where it is found and
 * whose home it reads), for cache keys: two callers differing there never share an answer.
 */
export function helperEnvId(env: CallerEnv | undefined): string {
  return createHash('sha256')
    .update(`${nonEmpty(env?.PATH) ?? DEFAULT_PATH}\0${nonEmpty(env?.HOME) ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}
