import { isAbsolute } from 'node:path';
import type { Descriptor } from '../../oci/descriptor';
import { KeyedLock, SingleFlight } from '../../cache/keyed-lock';
import { ErrorCodes, OrasdError } from '../../errors';
import { silentLogger, type Logger } from '../../log';
import type { ManifestSummary } from './graph';
import { LayoutTarget } from './layout-target';
import type { TempRecorder } from './atomic-write';

/** Blobs a push has checked or uploaded stay safe from a concurrent delete's GC this long. */
const PENDING_MS = 60 * 60 * 1000;
const MAX_PENDING = 100_000;
const MAX_SUMMARIES = 50_000;
const MAX_LAYOUT_STATES = 256;

/** What the daemon remembers about one layout folder (keyed by its real path). */
export class LayoutState {
  /** Bumped by every write of this process, so caches never trust an index.json we replaced. */
  gen = 0;
  referrers?: { stamp: string; gen: number; map: Map<string, Descriptor[]> };
  readonly referrersFlight = new SingleFlight<Map<string, Descriptor[]>>();
  private readonly summaries = new Map<string, ManifestSummary>();
  /**
   * Digests a push in flight relies on (uploaded, or found present and skipped) whose manifest
   * is not written yet: a delete's GC must not take them, or the manifest would land pointing
   * at a missing blob. Claimed when the manifest lands; expire for pushes that never finish.
   */
  private readonly pending = new Map<string, number>();

  summary(digest: string): ManifestSummary | undefined {
    return this.summaries.get(digest);
  }
  remember(s: ManifestSummary): void {
    if (this.summaries.size >= MAX_SUMMARIES) this.summaries.clear();
    this.summaries.set(s.digest, s);
  }

  markPending(digest: string): void {
    const now = Date.now();
    if (this.pending.size >= MAX_PENDING) {
      for (const [d, until] of this.pending) if (until <= now) this.pending.delete(d);
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    }
    this.pending.delete(digest);
    this.pending.set(digest, now + PENDING_MS);
  }
  isPending(digest: string): boolean {
    const until = this.pending.get(digest);
    return until !== undefined && until > Date.now();
  }
  claim(digests: Iterable<string>): void {
    for (const d of digests) this.pending.delete(d);
  }
}

/**
 * Daemon-wide state of every OCI layout folder it touches: one lock per folder, so any number of
 * clients writing the same layout through the daemon never lose an index.json update, and the
 * caches (manifest summaries, referrers map) those clients share.
 */
export class Layouts {
  readonly log: Logger;
  /** Records the temporaries of layout writes (the daemon's crash journal), when there is one. */
  readonly temps: TempRecorder | undefined;
  private readonly locks = new KeyedLock();
  private readonly states = new Map<string, LayoutState>();

  constructor(opts: { log?: Logger; temps?: TempRecorder | undefined } = {}) {
    this.log = opts.log ?? silentLogger();
    this.temps = opts.temps;
  }

  /**
   * A target for the layout at `path` (absolute: the daemon's working folder is not the client's).
   * With `create`, the first write makes the folder a layout; reads of a missing layout fail with
   * NameUnknown either way.
   */
  open(path: string, opts: { create?: boolean } = {}): LayoutTarget {
    if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) {
      throw new OrasdError(ErrorCodes.InvalidArgument, `OCI layout path must be absolute, got "${String(path)}"`, {
        hint: 'resolve the path against the client working directory first',
      });
    }
    return new LayoutTarget(this, path, opts.create === true);
  }

  /** @internal */
  state(key: string): LayoutState {
    let s = this.states.get(key);
    if (s) {
      this.states.delete(key);
    } else {
      s = new LayoutState();
      if (this.states.size >= MAX_LAYOUT_STATES) this.states.delete(this.states.keys().next().value!);
    }
    this.states.set(key, s);
    return s;
  }

  /** @internal Serializes index.json read-modify-write (and deletes) per layout folder. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(key, fn);
  }
}
