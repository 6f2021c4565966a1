/**
 * Stands in for node-tar's PathReservations in an extractor (`unpack.reservations`).
 *
 * tar 7.5's PathReservations never forgets a reservation: every entry of an archive, with its
 * header and closures, stays in a Map until the extraction ends — about 3 KB a file, so a 9 MB
 * layer of 1.5M empty files took the daemon down (100k files: ~400 MiB). tar 8 fixes it but
 * needs Node 22. This one runs the entries one after another, as node-tar itself does on
 * Windows, so two entries never work on one path at once and nothing is kept once an entry is
 * written. It also knows how many entries wait, which node-tar's stream backpressure does not
 * account for (an entry without a body is parsed at once, however many wait to be written):
 * the feeder pauses on `settled()` to keep that number bounded.
 */
export class SerialReservations {
  private readonly queue: Array<(done: () => void) => void> = [];
  private head = 0;
  private running = false;
  private waiters: Array<{ below: number; wake: () => void }> = [];

  /** Entries reserved and not yet written (the one being written included). */
  get pending(): number {
    return this.queue.length - this.head + (this.running ? 1 : 0);
  }

  /** node-tar's interface: `fn` runs when its turn comes and calls `done` once it is finished. */
  reserve(_paths: string[], fn: (done: () => void) => void): boolean {
    this.queue.push(fn);
    if (!this.running) this.next();
    return true;
  }

  /** Resolves once fewer than `below` entries wait. */
  settled(below: number): Promise<void> {
    if (this.pending < below) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ below, wake }));
  }

  private next(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.running = false;
      this.wake();
      return;
    }
    const fn = this.queue[this.head]!;
    this.queue[this.head++] = undefined as never;
    // Compact now and then, so the array does not grow with the archive.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.running = true;
    this.wake();
    let finished = false;
    // A microtask, not a call: an entry that finishes at once must not deepen the stack.
    fn(() => {
      if (finished) return;
      finished = true;
      queueMicrotask(() => this.next());
    });
  }

  private wake(): void {
    if (!this.waiters.length) return;
    const n = this.pending;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (n < w.below) w.wake();
      else still.push(w);
    }
    this.waiters = still;
  }
}
