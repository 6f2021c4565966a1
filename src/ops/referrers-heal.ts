import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedLock } from '../cache/keyed-lock';
import { ErrorCodes, OrasdError, throwIfAborted } from '../errors';
import type { Descriptor } from '../oci/descriptor';
import type { Target } from '../targets/target';

/** A referrer manifest an operation wrote (or found present) under a subject, and its bytes for a re-put. */
export interface WrittenReferrer {
  descriptor: Descriptor;
  bytes: () => Buffer | Promise<Buffer>;
}

/** Re-puts after the first read-back; the read after each waits BACKOFF_MS, doubling (≤ 1.6 s in all). */
const REPUTS = 5;
const BACKOFF_MS = 50;

/**
 * The daemon's read-backs of referrers listings after it wrote referrers: one subject at a time,
 * each one checking what the others wrote to the subject too, with counts for `status`.
 *
 * Registries index referrers on the manifest PUT, and not all of them do it atomically: olareg
 * drops entries when PUTs of one subject overlap (ours are put one at a time per subject, but
 * other processes' are not), and a listing may lag. A PUT of the same bytes makes the registry
 * index the manifest again. A referrer still missing after the last re-put is an IncompleteGraph
 * error naming it: the write did not fully happen.
 */
export class ReferrerChecks {
  /** Subjects whose listing was read back after a write. */
  checked = 0;
  /** Referrers a listing lacked and that were put again until it showed them. */
  healed = 0;
  /** Read-backs that still lacked referrers after every re-put (the operation failed). */
  incomplete = 0;

  private readonly locks = new KeyedLock();
  /**
   * What this daemon wrote under a subject, kept while any check of that subject is under way:
   * an entry checked a moment ago can still be dropped by a write that overlapped it, and the
   * next check puts it back.
   */
  private readonly recent = new Map<string, { checks: number; written: Map<string, WrittenReferrer> }>();

  /**
   * Makes sure the target's listing of `subject` shows every one of `expected` (and what other
   * checks of the same subject are vouching for); returns how many of `expected` had to be put again.
   * Layout targets are left alone: their listing is a scan of the index.json they write under a
   * lock, so an entry cannot go missing there.
   */
  async ensureListed(target: Target, subject: Descriptor, expected: readonly WrittenReferrer[], signal?: AbortSignal): Promise<number> {
    if (target.kind === 'layout' || expected.length === 0) return 0;
    const key = target.reference(subject.digest);
    let entry = this.recent.get(key);
    if (!entry) this.recent.set(key, (entry = { checks: 0, written: new Map() }));
    entry.checks += 1;
    for (const r of expected) entry.written.set(r.descriptor.digest, r);
    try {
      return await this.locks.run(key, async () => {
        this.checked += 1;
        const mine = new Set(expected.map((r) => r.descriptor.digest));
        const healed = await check(target, subject, [...entry.written.values()], mine, signal).catch((e: unknown) => {
          if (e instanceof OrasdError && e.is(ErrorCodes.IncompleteGraph)) this.incomplete += 1;
          throw e;
        });
        this.healed += healed.size;
        return expected.filter((r) => healed.has(r.descriptor.digest)).length;
      });
    } finally {
      entry.checks -= 1;
      if (entry.checks === 0 && this.recent.get(key) === entry) this.recent.delete(key);
    }
  }
}

/** Reads the listing (caches bypassed) and re-puts what it lacks until it shows all; the digests re-put. */
async function check(target: Target, subject: Descriptor, written: readonly WrittenReferrer[], mine: ReadonlySet<string>, signal?: AbortSignal): Promise<Set<string>> {
  const plainSubject: Descriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  const opts = signal ? { signal } : {};
  const healed = new Set<string>();
  let expected = written;
  for (let reput = 0; ; reput++) {
    const listed = new Set((await target.referrers(plainSubject, { noCache: true, ...opts })).map((d) => d.digest));
    let missing = expected.filter((r) => !listed.has(r.descriptor.digest));
    // Another operation's referrer may have been deleted since it was written: never resurrect it.
    const gone = new Set<string>();
    for (const r of missing) if (!mine.has(r.descriptor.digest) && !(await target.exists(r.descriptor, opts))) gone.add(r.descriptor.digest);
    if (gone.size) {
      expected = expected.filter((r) => !gone.has(r.descriptor.digest));
      missing = missing.filter((r) => !gone.has(r.descriptor.digest));
    }
    if (missing.length === 0) return healed;
    if (reput === REPUTS) throw incomplete(target, subject, missing, expected.length, reput);
    // One at a time: overlapping PUTs of one subject are what loses entries in the first place.
    for (const r of missing) {
      await target.pushManifest(r.descriptor, await r.bytes(), undefined, opts);
      healed.add(r.descriptor.digest);
    }
    await sleep(BACKOFF_MS * 2 ** reput, undefined, opts).catch(() => throwIfAborted(signal, 'referrers check'));
  }
}

function incomplete(target: Target, subject: Descriptor, missing: readonly WrittenReferrer[], total: number, reputs: number): OrasdError {
  const reference = target.reference(subject.digest);
  const digests = missing.map((r) => r.descriptor.digest);
  const shown = digests.slice(0, 5).join(', ') + (digests.length > 5 ? `, ... (${digests.length - 5} more)` : '');
  return new OrasdError(
    ErrorCodes.IncompleteGraph,
    `the referrers listing of ${reference} lacks ${missing.length} of the ${total} referrers written (${shown}): they are stored but not listed after ${reputs} re-puts`,
    {
      reference,
      registry: target.location,
      hint: `discover does not show them; retry the operation, or check the registry's referrers index of ${reference}`,
      detail: { subject: subject.digest, missing: digests },
    },
  );
}
