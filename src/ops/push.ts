import type { Descriptor } from '../oci/descriptor';
import type { Target } from '../targets/target';
import { type OpContext, DEFAULT_CONCURRENCY, hashingTo, ProgressTracker } from './context';
import { writeFileAtomic, resolvePath } from './files';
import { pack, type PackInput, type Packed } from './pack';
import { uploadBlobs } from './transfer';
import { throwIfAborted } from '../errors';

export interface PushInput extends PackInput {
  tags: string[];
  concurrency?: number;
  exportManifest?: string;
}

export interface PushOutcome {
  descriptor: Descriptor;
  layers: Descriptor[];
  tags: string[];
  manifest: Buffer;
}

/**
 * Uploads what pack() built: blobs in parallel, then the manifest (so a registry never holds a
 * manifest whose blobs are missing), then the extra tags.
 */
export async function pushPacked(target: Target, packed: Packed, tags: string[], input: Pick<PushInput, 'concurrency' | 'exportManifest' | 'cwd'>, ctx: OpContext, operation: string): Promise<PushOutcome> {
  const tracker = new ProgressTracker(operation, ctx.progress);
  await uploadBlobs(target, packed.blobs, input.concurrency ?? DEFAULT_CONCURRENCY, tracker, ctx.signal);
  throwIfAborted(ctx.signal, operation);
  const { descriptor, bytes } = packed.manifest;
  await target.pushManifest(descriptor, bytes, tags[0], { signal: ctx.signal });
  for (const t of tags.slice(1)) await target.tag(descriptor, t, { signal: ctx.signal });
  if (input.exportManifest) await writeFileAtomic(resolvePath(input.cwd, input.exportManifest), bytes, 0o644, ctx.temps);
  ctx.log?.info({ reference: target.reference(descriptor.digest), tags, blobs: packed.blobs.length }, `${operation} done`);
  return { descriptor, layers: packed.layers, tags, manifest: bytes };
}

export async function push(target: Target, input: PushInput, ctx: OpContext): Promise<PushOutcome> {
  const packed = await pack({ ...input, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.temps ? { temps: ctx.temps } : {}), ...hashingTo(ctx, 'push') });
  try {
    return await pushPacked(target, packed, input.tags, input, ctx, 'push');
  } finally {
    await packed.dispose();
  }
}
