// What an operation left on disk: every path under a folder, and which of them are temporaries.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface Entry {
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

/** Every entry under `dir`, relative paths, hidden ones included; [] when dir is missing. */
export async function listTree(dir: string, prefix = ''): Promise<Entry[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, prefix));
  } catch {
    return [];
  }
  const out: Entry[] = [];
  for (const n of names.sort()) {
    const rel = prefix ? `${prefix}/${n}` : n;
    const st = await lstat(join(dir, rel));
    const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    out.push({ path: rel, kind, size: st.size });
    if (kind === 'dir') out.push(...(await listTree(dir, rel)));
  }
  return out;
}

/** Names orasd gives temporary files and folders (src/ops/files.ts; src/targets/layout/atomic-write.ts). */
export const TEMP_NAME = /(^|\/)(\.[^/]*\.orasd-[0-9a-f]{12}|\.[^/]*\.orasd-tmp|orasd-(pack|scratch)-[0-9a-f]+|\.tmp-(index-)?[0-9a-f]{24})$/;

export async function temporaries(dir: string): Promise<string[]> {
  return (await listTree(dir)).filter((e) => TEMP_NAME.test(e.path)).map((e) => e.path);
}

export async function files(dir: string): Promise<string[]> {
  return (await listTree(dir)).filter((e) => e.kind !== 'dir').map((e) => e.path);
}
