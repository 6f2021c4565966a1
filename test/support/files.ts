import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** Every regular file under dir, as relative path → sha256. */
export async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out[relative(dir, p)] = createHash('sha256').update(await readFile(p)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

/** A work folder with a single file, a second file and a nested folder, as the walkthrough has. */
export async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orasd-ws-'));
  await writeFile(join(dir, 'readme.md'), 'Readme Content\n');
  await writeFile(join(dir, 'notes.txt'), randomBytes(3000).toString('hex'));
  await mkdir(join(dir, 'details', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'details', 'readme-details.md'), 'Detailed Content\n');
  await writeFile(join(dir, 'details', 'deeper', 'more.md'), 'More detailed Content\n');
  return dir;
}

