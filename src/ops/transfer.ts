import type { Descriptor } from '../oci/descriptor';
import type { BlobOrigin, Target } from '../targets/target';
import type { PreparedBlob } from './pack';
import { Limiter, type ProgressTracker } from './context';

/** A child AbortController that also fires when the parent does; first failure aborts siblings. */
export function childAbort(parent?: AbortSignal): AbortController {
  const c = new AbortController();
  if (parent) {
    if (parent.aborted) c.abort(parent.reason);
    else parent.addEventListener('abort', () => c.abort(parent.reason), { once: true });
  }
  return c;
}

/** Runs all tasks with bounded parallelism; the first failure aborts the rest and is rethrown. */
export async function runAll<T>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const ctrl = childAbort(signal);
  const limiter = new Limiter(Math.max(1, limit));
  let first: unknown;
  await Promise.all(
    items.map((item) =>
      limiter
        .run(async () => {
          if (ctrl.signal.aborted) return;
          await fn(item, ctrl.signal);
        })
        .catch((e) => {
          if (first === undefined) {
            first = e;
            ctrl.abort(e);
          }
        }),
    ),
  );
  if (first !== undefined) throw first;
  if (signal?.aborted) throw signal.reason;
}

/** Uploads prepared blobs in parallel (the manifest goes last, by the caller), reporting progress. */
export async function uploadBlobs(target: Target, blobs: PreparedBlob[], concurrency: number, tracker: ProgressTracker, signal?: AbortSignal, origin?: BlobOrigin): Promise<void> {
  for (const b of blobs) tracker.expect(b.descriptor);
  await runAll(blobs, concurrency, signal, async (blob, sig) => {
    await transferOne(target, blob.descriptor, () => blob.open(), tracker, sig, origin);
  });
}

export async function transferOne(
  target: Target,
  desc: Descriptor,
  open: () => ReturnType<PreparedBlob['open']> | Promise<ReturnType<PreparedBlob['open']>>,
  tracker: ProgressTracker,
  signal: AbortSignal,
  origin?: BlobOrigin,
): Promise<'pushed' | 'exists' | 'mounted'> {
  tracker.started(desc);
  const onBytes = tracker.bytes(desc);
  let counted = 0;
  try {
    const outcome = await target.pushBlob(desc, open, {
      signal,
      onBytes: (n) => {
        counted = n;
        onBytes(n);
      },
      ...(origin ? { origin } : {}),
    });
    tracker.finished(desc, outcome === 'pushed' ? 'done' : outcome, counted);
    return outcome;
  } catch (e) {
    tracker.failed(desc);
    throw e;
  }
}
