import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { lstat, readFile, readdir, unlink } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type { Logger } from '../log';
import type { TempTracker } from '../ops/context';
import { isTempName, removeTree } from '../ops/files';
import { pidAlive } from './pid-alive';

const JOURNAL = /^temps-(\d+)\.journal$/;
/** Rewrite the journal with only the live paths once this many lines have piled up. */
const COMPACT_AFTER = 10_000;

/**
 * The daemon's record of the temporary paths its operations hold (pull's staged files, pack's
 * scratch folders), one journal per daemon process in its private state folder. A line is
 * written before a path is created and after it is gone; a daemon killed with SIGKILL leaves
 * its journal behind, and the next daemon to start there removes what it lists.
 *
 * Writes are plain write(2) calls: they survive the process being killed (the kernel holds
 * them), which is the failure this guards against; a power cut is not.
 */
export class TempJournal implements TempTracker {
  readonly file: string;
  private fd: number | undefined;
  private readonly live = new Set<string>();
  private lines = 0;
  private broken = false;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    this.file = join(dir, `temps-${process.pid}.journal`);
  }

  add(path: string): void {
    this.live.add(path);
    this.append('+', path);
  }

  remove(path: string): void {
    if (!this.live.delete(path)) return;
    this.append('-', path);
    if (this.lines >= COMPACT_AFTER && this.lines >= 2 * this.live.size) this.compact();
  }

  get size(): number {
    return this.live.size;
  }

  private append(op: '+' | '-', path: string): void {
    if (this.broken) return;
    try {
      this.fd ??= openSync(this.file, 'a', 0o600);
      writeSync(this.fd, `${op}${JSON.stringify(path)}\n`);
      this.lines++;
    } catch (e) {
      // Losing the record only costs crash cleanup; the operation itself must not fail for it.
      this.broken = true;
      this.log.warn({ err: e, journal: this.file }, 'cannot write the temp-file journal; leftovers of a crash will not be cleaned');
    }
  }

  private compact(): void {
    const tmp = `${this.file}.compact`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      writeSync(fd, [...this.live].map((p) => `+${JSON.stringify(p)}\n`).join(''));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, this.file);
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      this.lines = this.live.size;
    } catch (e) {
      this.log.warn({ err: e, journal: this.file }, 'cannot compact the temp-file journal');
    }
  }

  /** At a clean exit: the journal goes when nothing is left to clean, else stays for the next daemon. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.live.size === 0) {
      try {
        unlinkSync(this.file);
      } catch {
        // never written
      }
    }
  }
}

/** Paths a journal still lists as existing (a torn last line from a kill is skipped). */
export function livePaths(text: string): string[] {
  const live = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.length < 3) continue;
    let path: unknown;
    try {
      path = JSON.parse(line.slice(1));
    } catch {
      continue;
    }
    if (typeof path !== 'string') continue;
    if (line[0] === '+') live.add(path);
    else if (line[0] === '-') live.delete(path);
  }
  return [...live];
}

/**
 * Removes what dead daemons' journals in `dir` still list, then the journals. Only absolute paths
 * whose last component is one of our temporary names are touched, so a damaged journal can never
 * make the daemon delete a user's file. `dir` must already be checked private (ensurePrivateDir).
 */
export async function recoverTemps(dir: string, log: Logger): Promise<{ journals: number; removed: string[] }> {
  const removed: string[] = [];
  let journals = 0;
  const uid = process.getuid?.();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = JOURNAL.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const file = join(dir, name);
    const st = await lstat(file).catch(() => undefined);
    if (!st || !st.isFile() || (uid !== undefined && st.uid !== uid)) continue;
    journals++;
    for (const path of livePaths(await readFile(file, 'utf8').catch(() => ''))) {
      if (!isAbsolute(path) || !isTempName(basename(path))) {
        log.warn({ journal: file, path }, 'journal names a path that is not an orasd temporary; left alone');
        continue;
      }
      const there = await lstat(path).catch(() => undefined);
      if (!there) continue;
      await removeTree(path).then(
        () => removed.push(path),
        (e: unknown) => log.warn({ err: e, path }, 'cannot remove a temporary left by a crashed daemon'),
      );
    }
    await unlink(file).catch(() => undefined);
  }
  if (journals) log.info({ journals, removed: removed.length }, 'removed temporaries left by a daemon that did not exit cleanly');
  return { journals, removed };
}
