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
  private readonly subjects = new Map<string, SubjectChecks>();

  /**
   * Makes sure the target's listing of `subject` shows every one of `expected` (and what other
   * checks of the same subject are vouching for); returns how many of `expected` had to be put again.
   * Layout targets are left alone: their listing is a scan of the index.json they write under a
   * lock, so an entry cannot go missing there.
   */
  async ensureListed(target: Target, subject: Descriptor, expected: readonly WrittenReferrer[], signal?: AbortSignal): Promise<number> {
    if (target.kind === 'layout' || expected.length === 0) return 0;
    const key = target.reference(subject.digest);
    let entry = this.subjects.get(key);
    if (!entry) this.subjects.set(key, (entry = { checks: 0, written: new Map(), registered: 0, covered: 0, healed: new Set(), givenUp: new Set() }));
    const e = entry;
    e.checks += 1;
    for (const r of expected) e.written.set(r.descriptor.digest, r);
    const ticket = ++e.registered;
    const healedOfMine = () => expected.filter((r) => e.healed.has(r.descriptor.digest)).length;
    try {
      return await this.locks.run(key, async () => {
        const lost = () => expected.filter((r) => e.givenUp.has(r.descriptor.digest));
        // A read that began after this write was registered already vouched for it, or gave up on it.
        if (e.covered >= ticket) {
          if (lost().length) throw incomplete(target, subject, lost(), expected.length, REPUTS);
          return healedOfMine();
        }
        this.checked += 1;
        const upTo = e.registered;
        const mine = new Set(expected.map((r) => r.descriptor.digest));
        let healed: Set<string>;
        try {
          healed = await check(target, subject, [...e.written.values()], mine, signal);
        } catch (err) {
          if (!(err instanceof OrasdError && err.is(ErrorCodes.IncompleteGraph))) throw err;
          this.incomplete += 1;
          // Given up on: later checks of the subject do not try them again.
          for (const d of (err.data.detail as { missing: string[] }).missing) {
            e.givenUp.add(d);
            e.written.delete(d);
          }
          e.covered = Math.max(e.covered, upTo);
          if (lost().length) throw incomplete(target, subject, lost(), expected.length, REPUTS);
          return healedOfMine();
        }
        this.healed += healed.size;
        for (const d of healed) e.healed.add(d);
        e.covered = Math.max(e.covered, upTo);
        return healedOfMine();
      });
    } finally {
      e.checks -= 1;
      if (e.checks === 0 && this.subjects.get(key) === e) this.subjects.delete(key);
    }
  }
}

/**
 * What this daemon wrote under one subject, kept while any check of that subject is under way:
 * an entry checked a moment ago can still be dropped by a write that overlapped it, and the next
 * check puts it back. Checks waiting for the subject are answered by a read that began after
 * they registered (`covered` ≥ their ticket), so 20 concurrent attaches make a few reads, not 20.
 */
interface SubjectChecks {
  checks: number;
  written: Map<string, WrittenReferrer>;
  /** Tickets handed out to checks, in order. */
  registered: number;
  /** Every ticket up to this one was covered by a finished read: listed, or given up (`givenUp`). */
  covered: number;
  healed: Set<string>;
  /** Referrers a read gave up on (IncompleteGraph): the checks that wrote them fail. */
  givenUp: Set<string>;
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
