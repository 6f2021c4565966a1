import { isNotFound } from '../errors';
import type { Descriptor } from '../oci/descriptor';
import type { Target } from '../targets/target';
import type { OpContext } from './context';
import { resolveSelector } from './graph';

export interface DeleteInput {
  selector: string | undefined;
  force?: boolean;
  cascade?: boolean;
}

export interface DeleteOutcome {
  /** In deletion order: referrers (deepest first), then the manifest itself. */
  deleted: Descriptor[];
  notFound: boolean;
}

/**
 * Deletes a manifest; with cascade, first every referrer of it at every level, bottom-up, so
 * no referrer is left pointing at nothing and no fallback index outlives its subject.
 */
export async function deleteManifest(target: Target, input: DeleteInput, ctx: OpContext): Promise<DeleteOutcome> {
  const opts = ctx.signal ? { signal: ctx.signal } : {};
  let root: Descriptor;
  try {
    root = await resolveSelector(target, input.selector, opts);
  } catch (e) {
    if (input.force && isNotFound(e)) return { deleted: [], notFound: true };
    throw e;
  }
  const order: Descriptor[] = [];
  if (input.cascade) {
    const seen = new Set<string>([root.digest]);
    const visit = async (subject: Descriptor): Promise<void> => {
      const refs = await target.referrers(subject, { ...opts, noCache: true });
      for (const r of refs) {
        if (seen.has(r.digest)) continue;
        seen.add(r.digest);
        await visit(r);
        order.push(r);
      }
    };
    await visit(root);
  }
  order.push(root);
  const deleted: Descriptor[] = [];
  for (const d of order) {
    try {
      await target.deleteManifest(d, opts);
      deleted.push(d);
    } catch (e) {
      // A referrer deleted meanwhile by someone else is fine; the root missing is not (unless forced).
      if (!(isNotFound(e) && (d !== root || input.force))) throw e;
    }
  }
  ctx.log?.info({ reference: target.reference(root.digest), deleted: deleted.length }, 'manifest delete done');
  return { deleted, notFound: false };
}
