/** Request counters for `status`; they add up: total = inFlight + succeeded + failed + cancelled. */
export class RequestStats {
  inFlight = 0;
  total = 0;
  succeeded = 0;
  failed = 0;
  cancelled = 0;
  readonly byMethod: Record<string, number> = {};

  begin(method: string): void {
    this.inFlight += 1;
    this.total += 1;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
  }

  end(_method: string, outcome: 'succeeded' | 'failed' | 'cancelled'): void {
    this.inFlight -= 1;
    this[outcome] += 1;
  }

  snapshot() {
    return {
      inFlight: this.inFlight,
      total: this.total,
      succeeded: this.succeeded,
      failed: this.failed,
      cancelled: this.cancelled,
      byMethod: { ...this.byMethod },
    };
  }
}
