import { cancelled } from '../errors';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/**
 * Single flight for cancellable work: concurrent callers with the same key share one run, and
 * each caller may give up on its own. The shared run is aborted only when every caller waiting
 * for it has gone, so one cancelled request never fails the 999 others sharing its fetch.
 */
export class SharedFlight<T> {
  private readonly inflight = new Map<string, Flight<T>>();

  get size(): number {
    return this.inflight.size;
  }

  do(key: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(cancelled());
    let flight = this.inflight.get(key);
    if (!flight) {
      const controller = new AbortController();
      const f: Flight<T> = { controller, waiters: 0, promise: undefined as unknown as Promise<T> };
      f.promise = Promise.resolve()
        .then(() => fn(controller.signal))
        .finally(() => {
          if (this.inflight.get(key) === f) this.inflight.delete(key);
        });
      // Every caller attaches its own handlers; this one only keeps an abandoned run from being "unhandled".
      f.promise.catch(() => undefined);
      this.inflight.set(key, f);
      flight = f;
    }
    const f = flight;
    f.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        settled = true;
        f.waiters--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        leave();
        if (f.waiters === 0) {
          f.controller.abort();
          if (this.inflight.get(key) === f) this.inflight.delete(key);
        }
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      f.promise.then(
        (v) => {
          if (settled) return;
          leave();
          resolve(v);
        },
        (e) => {
          if (settled) return;
          leave();
          reject(e);
        },
      );
    });
  }
}
