/** The package version, read once; the daemon/client handshake compares these. */
// ORASD_VERSION_OVERRIDE lets tests run an "older" or "newer" daemon to exercise the handshake.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = process.env.ORASD_VERSION_OVERRIDE || (require('../../package.json') as { version: string }).version;

/** Compares dotted numeric versions (prerelease tags ignored): <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i]! !== pb[i]!) return pa[i]! - pb[i]!;
  return 0;
}
