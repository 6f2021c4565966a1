import type { Context } from '../command';

/** Reads one line from the launcher's stdin (what oras's bufio.Scanner does for prompts). */
export async function readStdinLine(c: Context): Promise<string> {
  let line = '';
  for (;;) {
    const { data, eof } = await c.io.readStdin(1);
    const ch = data.toString('utf8');
    if (ch === '\n' || (eof && !data.length)) break;
    line += ch;
    if (eof) break;
  }
  return line.replace(/\r$/, '');
}

/**
 * oras's Confirmation option: `<prompt> [y/N] ` on stdout and an answer from stdin, unless
 * --force. Like oras it asks whatever stdin is; with nothing to read the answer is "no".
 */
export async function confirm(c: Context, prompt: string): Promise<boolean> {
  if (c.flags.bool('force')) return true;
  let answer: string;
  if (c.io.stdinIsTTY) {
    answer = await c.io.prompt(`${prompt} [y/N] `, false);
  } else {
    c.out(`${prompt} [y/N] `);
    answer = await readStdinLine(c);
  }
  if (['y', 'yes'].includes(answer.trim().toLowerCase())) return true;
  c.out('Operation cancelled.\n');
  return false;
}
