import type { Descriptor } from '../oci/descriptor';
import type { Target } from '../targets/target';
import { hashingTo, type OpContext } from './context';
import { resolveSelector } from './graph';
import { pack, type PackInput } from './pack';
import { pushPacked, type PushOutcome } from './push';
import { ReferrerChecks } from './referrers-heal';

export interface AttachInput extends Omit<PackInput, 'subject' | 'imageSpec'> {
  subject: string;
  artifactType: string;
  platform?: string;
  concurrency?: number;
  exportManifest?: string;
}

/**
 * Pushes an image-spec 1.1 manifest whose subject is the named manifest. The subject is
 * resolved first: attaching to nothing pushes nothing. The attach is done when the subject's
 * referrers listing shows the new manifest (re-put until it does: `referrersHealed`).
 */
export async function attach(target: Target, input: AttachInput, ctx: OpContext): Promise<PushOutcome & { subject: Descriptor; referrersHealed: number }> {
  const subject = await resolveSelector(target, input.subject, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(input.platform ? { platform: input.platform } : {}),
    what: 'subject',
  });
  const plainSubject: Descriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  const packed = await pack({ ...input, imageSpec: 'v1.1', subject: plainSubject, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.temps ? { temps: ctx.temps } : {}), ...hashingTo(ctx, 'attach') });
  try {
    const out = await pushPacked(target, packed, [], input, ctx, 'attach');
    const checks = ctx.referrerChecks ?? new ReferrerChecks();
    const referrersHealed = await checks.ensureListed(target, plainSubject, [{ descriptor: out.descriptor, bytes: () => out.manifest }], ctx.signal);
    return { ...out, subject: plainSubject, referrersHealed };
  } finally {
    await packed.dispose();
  }
}
