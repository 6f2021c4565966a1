import { readFileSync } from 'node:fs';

/**
 * What one daemon, shared by every client of a user, lets its clients hold: without these, one
 * careless or hostile client (100 connections each sending a 16 MB line, 10,000 idle
 * connections) could take gigabytes or every file descriptor and stall the others.
 */
export interface ServerLimits {
  /** Largest message (frame) accepted; an NDJSON line over it is skipped, an LSP frame ends its connection. */
  maxMessageBytes: number;
  /** Bytes of unfinished frames held across all connections; a connection that goes past it is closed. */
  maxBufferedBytes: number;
  /** Socket connections served at once; one more is answered LIMIT_EXCEEDED and closed. */
  maxConnections: number;
  /** A connection that has not completed its first frame, or has held an unfinished one, this long is closed. */
  frameTimeoutMs: number;
}

export const MiB = 1024 * 1024;

/**
 * Each connection may hold this much whatever the total: an ordinary request (a few KiB) is never
 * refused because others filled the budget. The worst case is thus
 * maxBufferedBytes + maxConnections × this.
 */
export const BUFFER_FLOOR_BYTES = 64 * 1024;

/** Descriptors kept for what is not a client: registry connections, files being read or written, logs. */
const RESERVED_FDS = 64;

/** The process's open-file limit (Node raises the soft limit to the hard one at start-up), if known. */
export function fdLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : undefined; // "unlimited" is not a number
  } catch {
    return undefined;
  }
}

/** Half of the descriptors left after the reserve: every client may run a transfer that opens more. */
export function defaultMaxConnections(fds = fdLimit()): number {
  if (fds === undefined) return 1024;
  return Math.max(8, Math.min(1024, Math.floor((fds - RESERVED_FDS) / 2)));
}

export function defaultLimits(): ServerLimits {
  return { maxMessageBytes: 16 * MiB, maxBufferedBytes: 64 * MiB, maxConnections: defaultMaxConnections(), frameTimeoutMs: 60_000 };
}

/** The bytes of unfinished frames held across connections, against `maxBufferedBytes`. */
export class InputBudget {
  private used = 0;
  constructor(readonly max: number) {}

  get bytes(): number {
    return this.used;
  }

  /**
   * Records that a connection now holds `now` bytes instead of `before`; false when it holds more
   * than its floor while the total is over the budget (the caller closes it and returns its bytes).
   */
  update(before: number, now: number): boolean {
    this.used += now - before;
    return now <= BUFFER_FLOOR_BYTES || this.used <= this.max;
  }
}
