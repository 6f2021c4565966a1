import type { Logger } from '../log';
import type { ProgressValue } from '../../protocol/progress';
import type { Descriptor } from '../oci/descriptor';
import { Annotations } from '../oci/mediatypes';
import type { ReferrerChecks } from './referrers-heal';

/**
 * Where an operation records the temporary files and folders it creates, for as long as they
 * exist: a process killed mid-way cannot remove them, its successor can (the daemon keeps the
 * record in its private state folder). Only the paths the operation itself names are recorded.
 */
export interface TempTracker {
  /** Called before the path is created; the record is on disk when it returns. */
  add(path: string): void;
  /** Called once the path is gone (removed or renamed into place). */
  remove(path: string): void;
}

/** What every graph operation receives from its caller (server handler, CLI, test). */
export interface OpContext {
  signal?: AbortSignal;
  log?: Logger;
  /** Receives $/progress values; absent when nobody listens. */
  progress?: (value: ProgressValue) => void;
  temps?: TempTracker;
  /** The daemon's read-backs of referrers listings (shared, so concurrent operations check each other's writes). */
  referrerChecks?: ReferrerChecks;
}

/** PackInput.onHashing that reports `hashing` progress values, when somebody listens. */
export function hashingTo(ctx: OpContext, operation: string): { onHashing?: (p: { path: string; done: number; total: number }) => void } {
  const sink = ctx.progress;
  return sink ? { onHashing: (p) => sink({ kind: 'hashing', operation, ...p }) } : {};
}

/**
 * Turns blob-level events into protocol progress values and keeps the operation's totals.
 * Byte updates are throttled so a fast transfer does not flood the client.
 */
export class ProgressTracker {
  private doneBytes = 0;
  private totalBytes = 0;
  private doneBlobs = 0;
  private totalBlobs = 0;
  private lastSent = new Map<string, number>();

  constructor(
    private readonly operation: string,
    private readonly sink: OpContext['progress'],
    private readonly intervalMs = 100,
  ) {}

  get enabled(): boolean {
    return this.sink !== undefined;
  }

  /** Announces a blob the operation will handle (counts toward the totals). */
  expect(desc: Descriptor): void {
    this.totalBlobs += 1;
    this.totalBytes += desc.size;
  }

  started(desc: Descriptor): void {
    this.blob(desc, 'started', 0);
  }

  /** Running byte count of one blob; returns a callback suitable for TransferOptions.onBytes. */
  bytes(desc: Descriptor): (done: number) => void {
    let reported = 0;
    return (done: number) => {
      this.doneBytes += done - reported;
      reported = done;
      const now = Date.now();
      const last = this.lastSent.get(desc.digest) ?? 0;
      if (this.sink && now - last >= this.intervalMs) {
        this.lastSent.set(desc.digest, now);
        this.blob(desc, 'progress', done);
      }
    };
  }

  /** A blob reached a final state; `bytesMoved` is what was not yet counted through bytes(). */
  finished(desc: Descriptor, state: 'done' | 'exists' | 'mounted' | 'skipped', countedBytes = 0): void {
    this.doneBlobs += 1;
    this.doneBytes += desc.size - countedBytes;
    this.lastSent.delete(desc.digest);
    this.blob(desc, state, desc.size);
  }

  failed(desc: Descriptor): void {
    this.lastSent.delete(desc.digest);
    this.blob(desc, 'failed', 0);
  }

  private blob(desc: Descriptor, state: Extract<ProgressValue, { kind: 'blob' }>['state'], done: number): void {
    if (!this.sink) return;
    const title = desc.annotations?.[Annotations.Title];
    this.sink({ kind: 'blob', digest: desc.digest, mediaType: desc.mediaType, ...(title ? { title } : {}), state, done, total: desc.size });
    this.sink({
      kind: 'operation',
      operation: this.operation,
      doneBytes: Math.min(this.doneBytes, this.totalBytes),
      totalBytes: this.totalBytes,
      doneBlobs: this.doneBlobs,
      totalBlobs: this.totalBlobs,
    });
  }
}

/** Bounds how many transfers run at once; waits never hold a slot, so nested use cannot deadlock. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }
}

export const DEFAULT_CONCURRENCY = 5;

/** Runs fn over items with at most `limit` in flight, failing fast (remaining work is abandoned). */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const limiter = new Limiter(Math.max(1, limit));
  await Promise.all(items.map((item) => limiter.run(() => fn(item))));
}
