import type { Descriptor } from '../oci/descriptor';
import type { Target } from '../targets/target';
import { hashingTo, type OpContext } from './context';
import { resolveSelector } from './graph';
import { pack, type PackInput } from './pack';
import { pushPacked, type PushOutcome } from './push';

export interface AttachInput extends Omit<PackInput, 'subject' | 'imageSpec'> {
  subject: string;
  artifactType: string;
  platform?: string;
  concurrency?: number;
  exportManifest?: string;
}

/**
 * Pushes an image-spec 1.1 manifest whose subject is the named manifest. The subject is
 * resolved first: attaching to nothing pushes nothing.
 */
export async function attach(target: Target, input: AttachInput, ctx: OpContext): Promise<PushOutcome & { subject: Descriptor }> {
  const subject = await resolveSelector(target, input.subject, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(input.platform ? { platform: input.platform } : {}),
    what: 'subject',
  });
  const plainSubject: Descriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  const packed = await pack({ ...input, imageSpec: 'v1.1', subject: plainSubject, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.temps ? { temps: ctx.temps } : {}), ...hashingTo(ctx, 'attach') });
  try {
    const out = await pushPacked(target, packed, [], input, ctx, 'attach');
    return { ...out, subject: plainSubject };
  } finally {
    await packed.dispose();
  }
}
