import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Overrides the build id (tests; packagers who stamp their own). */
export const BUILD_ID_ENV = 'ORASD_BUILD_ID';

/**
 * Where `npm run build` writes the build id: dist/build-id, one line of hex. A file rather than a
 * formula so that every client (the C and Python launchers, the Python client) reads the same id
 * the daemon does with one small read, and finds it from the daemon's entry point they already
 * know (dist/src/main.js → ../../build-id).
 */
export const BUILD_ID_FILE = 'build-id';

let cached: string | undefined;

/**
 * Which build of the package this process runs: the version string stays the same across
 * `npm run build` and reinstalls, the build id does not. A client compares it in `initialize`
 * with the daemon's so that a daemon of another build is replaced. Without a dist/build-id (a
 * bare `tsc`), it falls back to a hash of this very file as built (where it lies, its size and
 * time), which every build rewrites; the launchers then send none and compare versions only.
 */
export function buildId(env: Record<string, string | undefined> = process.env): string {
  const override = env[BUILD_ID_ENV];
  if (override) return override;
  if (cached === undefined) cached = readBuildId(join(__dirname, '..', BUILD_ID_FILE)) ?? hashOfThisFile();
  return cached;
}

/**
 * The build of the daemon a client would start now: what dist/build-id says at this moment, not
 * when this process started. A long-lived client of the previous build, reconnecting after a
 * rebuild, then asks for the new daemon rather than retiring it for a build nobody can start.
 */
export function daemonBuildId(env: Record<string, string | undefined> = process.env): string {
  return env[BUILD_ID_ENV] || (readBuildId(join(__dirname, '..', BUILD_ID_FILE)) ?? buildId(env));
}

function readBuildId(file: string): string | undefined {
  try {
    const id = readFileSync(file, 'utf8').trim();
    return /^[0-9A-Za-z._-]{1,64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function hashOfThisFile(): string {
  const st = statSync(__filename);
  return createHash('sha256').update(`${realpathSync(__filename)}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
}

/** `npm run build`: a new id per build, written aside and renamed so no reader sees half of it. */
export function writeBuildId(distDir: string): string {
  const id = randomBytes(8).toString('hex');
  const file = join(distDir, BUILD_ID_FILE);
  writeFileSync(`${file}.${process.pid}`, `${id}\n`);
  renameSync(`${file}.${process.pid}`, file);
  return id;
}
