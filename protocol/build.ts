import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';

/** Overrides the build id (tests; packagers who stamp their own). */
export const BUILD_ID_ENV = 'ORASD_BUILD_ID';

let cached: string | undefined;

/**
 * Which build of the package this process runs: the version string stays the same across
 * `npm run build` and reinstalls, the build id does not. It is derived from this very file as
 * built (where it lies, its size and time), which every build rewrites; a client compares it in
 * `initialize` with the daemon's so that a daemon of another build is replaced.
 */
export function buildId(env: Record<string, string | undefined> = process.env): string {
  const override = env[BUILD_ID_ENV];
  if (override) return override;
  if (cached === undefined) {
    const st = statSync(__filename);
    cached = createHash('sha256').update(`${realpathSync(__filename)}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
  }
  return cached;
}
