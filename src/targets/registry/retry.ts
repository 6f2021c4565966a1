import { cancelled } from '../../errors';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Statuses worth another try: the registry (or a proxy before it) is overloaded or restarting. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** A server asking for a longer pause than this gets an error instead of a stalled request. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many clients spread out. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const date = Date.parse(t);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The pause before the next try: the server's wish when it said one (capped), else backoff. */
export function delayFor(policy: RetryPolicy, attempt: number, retryAfter: string | string[] | undefined): number | undefined {
  const ra = retryAfterMs(retryAfter);
  if (ra === undefined) return backoffMs(policy, attempt);
  if (ra > Math.max(MAX_RETRY_AFTER_MS, policy.maxDelayMs)) return undefined;
  return ra;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const retryable = new WeakSet<object>();

/** Marks a transport failure (connection reset, timeout) as safe to retry for idempotent requests. */
export function markRetryable<E extends object>(e: E): E {
  retryable.add(e);
  return e;
}

export function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && retryable.has(e);
}
