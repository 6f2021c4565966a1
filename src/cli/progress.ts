/**
 * Progress bars on the launcher's terminal (stderr is a TTY and no --no-tty), drawn with
 * cli-progress from the engine's $/progress values: one bar per blob and one for the total.
 * cli-progress writes ANSI cursor moves to a stream; the stream here forwards them to the
 * launcher through io.write('stderr'), with the launcher's terminal width.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { ProgressValue } from '../../protocol';
import type { CliIO } from './io';
import { shortDigest } from './output/model';
import { discardDisplay, StatusLines, type Node, type Prompts, type StatusKind, type TransferDisplay } from './output/status';

/** Just enough of a tty.WriteStream for cli-progress and readline's cursor helpers. */
export function terminalStream(io: CliIO): NodeJS.WritableStream & { isTTY: boolean; columns: number } {
  return {
    isTTY: true,
    get columns() {
      return io.columns > 0 ? io.columns : 80;
    },
    write(chunk: string | Uint8Array, ...rest: unknown[]) {
      io.write('stderr', typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    },
    on() {
      return this;
    },
    once() {
      return this;
    },
    removeListener() {
      return this;
    },
  } as unknown as NodeJS.WritableStream & { isTTY: boolean; columns: number };
}

export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(2)} ${units[u]}`;
}

interface Payload {
  prompt: string;
  label: string;
  done: number;
  size: number;
}

export class ProgressBars implements TransferDisplay {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private total: SingleBar | undefined;
  private readonly hashing = new Map<string, SingleBar>();

  constructor(
    io: CliIO,
    private readonly prompts: Prompts,
  ) {
    const width = io.columns > 0 ? io.columns : 80;
    this.multi = new MultiBar({
      stream: terminalStream(io),
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      linewrap: false,
      fps: 10,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      format: (options, params, payload: Payload) => {
        const ratio = Math.max(0, Math.min(1, params.progress));
        const head = `${payload.prompt} ${payload.label} `;
        const tail = ` ${humanBytes(payload.done)}/${humanBytes(payload.size)} ${`${Math.floor(ratio * 100)}`.padStart(3)}%`;
        // The bar takes what the terminal width leaves, within 10..40 cells; the name is cut if need be.
        const size = Math.max(10, Math.min(40, width - head.length - tail.length - 2));
        const filled = Math.round(ratio * size);
        const bar = `[${(options.barCompleteChar ?? '=').repeat(filled)}${(options.barIncompleteChar ?? '-').repeat(size - filled)}]`;
        const room = width - bar.length - tail.length;
        return `${head.length > room ? `${head.slice(0, Math.max(0, room - 2))}… ` : head}${bar}${tail}`;
      },
    });
  }

  private bar(node: Node, size: number): SingleBar {
    const key = `${node.digest}\0${node.title ?? ''}`;
    let b = this.bars.get(key);
    if (!b) {
      const label = `${shortDigest(node.digest)} ${node.title ?? node.mediaType}`;
      b = this.multi.create(Math.max(size, 1), 0, { prompt: this.prompts.start, label, done: 0, size } satisfies Payload);
      this.bars.set(key, b);
    }
    return b;
  }

  status(kind: StatusKind, node: Node): void {
    const size = node.size ?? 0;
    const prompt = this.prompts[kind];
    if (prompt === undefined) return;
    const b = this.bar(node, size);
    const finished = kind !== 'start' && kind !== 'processing';
    b.update(finished ? Math.max(size, 1) : 0, { prompt, done: finished ? size : 0, size });
  }

  onProgress(v: ProgressValue): void {
    if (v.kind === 'operation') {
      this.total ??= this.multi.create(Math.max(v.totalBytes, 1), 0, { prompt: '[total]', label: `${v.totalBlobs} blob(s)`, done: 0, size: v.totalBytes } satisfies Payload);
      this.total.setTotal(Math.max(v.totalBytes, 1));
      this.total.update(v.doneBytes, { label: `${v.doneBlobs}/${v.totalBlobs} blob(s)`, done: v.doneBytes, size: v.totalBytes });
      return;
    }
    if (v.kind === 'hashing') {
      // Before a large file has a digest it has no blob bar: show the hashing under its name.
      let b = this.hashing.get(v.path);
      if (!b) {
        b = this.multi.create(Math.max(v.total, 1), 0, { prompt: 'Hashing', label: v.path, done: 0, size: v.total } satisfies Payload);
        this.hashing.set(v.path, b);
      }
      b.update(v.done, { prompt: v.done >= v.total ? 'Hashed ' : 'Hashing', done: v.done, size: v.total });
      return;
    }
    const node: Node = { digest: v.digest, mediaType: v.mediaType, ...(v.title ? { title: v.title } : {}) };
    const b = this.bar(node, v.total);
    const kinds: Partial<Record<typeof v.state, StatusKind>> = { done: 'done', exists: 'exists', mounted: 'mounted', skipped: 'skipped' };
    const kind = kinds[v.state];
    if (kind) b.update(Math.max(v.total, 1), { prompt: this.prompts[kind], done: v.total, size: v.total });
    else if (v.state === 'failed') b.update({ prompt: 'Failed' });
    else b.update(v.done, { done: v.done, size: v.total });
  }

  stop(): void {
    this.multi.stop();
  }
}

/** Bars on a terminal; oras's status lines in text mode; nothing for JSON output. */
export function transferDisplay(io: CliIO, opts: { tty: boolean; text: boolean; verbose: boolean; prompts: Prompts }): TransferDisplay {
  if (opts.tty) return new ProgressBars(io, opts.prompts);
  if (opts.text) return new StatusLines(opts.prompts, (line) => io.write('stdout', line), opts.verbose);
  return discardDisplay;
}
