import type { AttachParams, AttachResult, CopyParams, CopyResult, DiscoverParams, DiscoverResult, PullParams, PullResult, PushParams, PushResult } from '../../../protocol';
import { ErrorCodes, OrasdError } from '../../errors';
import type { Descriptor } from '../../oci/descriptor';
import { attach } from '../../ops/attach';
import { copy } from '../../ops/copy';
import { discover } from '../../ops/discover';
import { referencedDescriptor } from '../../ops/graph';
import { resolvePath } from '../../ops/files';
import { pull } from '../../ops/pull';
import { push } from '../../ops/push';
import type { CallContext, Engine, TargetSpec } from '../engine';

export const referenced = referencedDescriptor;

/** artifactType and annotations of a manifest we just built, for results shaped like oras's. */
function manifestFacts(bytes: Buffer): Pick<Descriptor, 'artifactType' | 'annotations'> {
  const m = JSON.parse(bytes.toString('utf8')) as { artifactType?: string; annotations?: Record<string, string> };
  return { ...(m.artifactType ? { artifactType: m.artifactType } : {}), ...(m.annotations ? { annotations: m.annotations } : {}) };
}

function packFields(p: PushParams | AttachParams, ctx: CallContext) {
  return {
    cwd: ctx.cwd,
    files: p.files,
    ...(p.annotations ? { annotations: p.annotations } : {}),
    ...(p.annotationFile ? { annotationFile: p.annotationFile } : {}),
    ...(p.disablePathValidation ? { disablePathValidation: true } : {}),
    ...(p.concurrency ? { concurrency: p.concurrency } : {}),
    ...(p.exportManifest ? { exportManifest: p.exportManifest } : {}),
  };
}

export async function handlePush(engine: Engine, p: PushParams, ctx: CallContext): Promise<PushResult> {
  const { target, tags, digest } = engine.openTarget(p, ctx, 'write');
  if (digest) {
    throw new OrasdError(ErrorCodes.InvalidReference, `push needs a tag, not a digest: ${p.reference}`, {
      reference: p.reference,
      hint: 'the digest of a pushed manifest follows from its content; tag it instead (host/repo:tag)',
    });
  }
  const out = await push(
    target,
    {
      ...packFields(p, ctx),
      tags,
      ...(p.artifactType ? { artifactType: p.artifactType } : {}),
      ...(p.config ? { config: p.config } : {}),
      ...(p.imageSpec ? { imageSpec: p.imageSpec } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
    ctx,
  );
  return {
    ...referenced(target, { ...out.descriptor, ...manifestFacts(out.manifest) }),
    referenceAsTags: out.tags.map((t) => target.reference(t)),
    layers: out.layers,
  };
}

export async function handleAttach(engine: Engine, p: AttachParams, ctx: CallContext): Promise<AttachResult> {
  const { target, selector } = engine.openTarget(p, ctx, 'write');
  const out = await attach(
    target,
    {
      ...packFields(p, ctx),
      subject: selector!,
      artifactType: p.artifactType,
      ...(p.platform ? { platform: p.platform } : {}),
    },
    { ...ctx, referrerChecks: engine.referrerChecks },
  );
  return {
    ...referenced(target, { ...out.descriptor, ...manifestFacts(out.manifest) }),
    subject: out.subject,
    layers: out.layers,
    referrersHealed: out.referrersHealed,
  };
}

export async function handlePull(engine: Engine, p: PullParams, ctx: CallContext): Promise<PullResult> {
  const { target, selector } = engine.openTarget(p, ctx);
  const out = await pull(
    target,
    {
      selector,
      output: resolvePath(ctx.cwd, p.output ?? '.'),
      ...(p.keepOldFiles ? { keepOldFiles: true } : {}),
      ...(p.allowPathTraversal ? { allowPathTraversal: true } : {}),
      ...(p.includeSubject ? { includeSubject: true } : {}),
      ...(p.mediaTypes ? { mediaTypes: p.mediaTypes } : {}),
      ...(p.platform ? { platform: p.platform } : {}),
      ...(p.concurrency ? { concurrency: p.concurrency } : {}),
      extractLimits: {
        maxEntries: p.maxExtractEntries ?? engine.extractLimits.maxEntries,
        maxBytes: p.maxExtractBytes ?? engine.extractLimits.maxBytes,
      },
    },
    ctx,
  );
  return {
    ...referenced(target, out.descriptor),
    files: out.files.map((f) => ({ ...referenced(target, f.descriptor), path: f.path })),
    skipped: out.skipped,
  };
}

export async function handleDiscover(engine: Engine, p: DiscoverParams, ctx: CallContext): Promise<DiscoverResult> {
  const { target, selector } = engine.openTarget(p, ctx);
  const { root } = await discover(
    target,
    {
      selector,
      ...(p.artifactType ? { artifactType: p.artifactType } : {}),
      ...(p.depth ? { depth: p.depth } : {}),
      ...(p.platform ? { platform: p.platform } : {}),
      ...(p.noCache ? { noCache: true } : {}),
    },
    ctx,
  );
  const manifests = root.referrers.map(({ referrers: _r, ...d }) => d);
  return { ...root, manifests };
}

/** One side of a copy, from the flat --from-* / --to-* params. */
function side(p: CopyParams, which: 'from' | 'to', reference: string): TargetSpec {
  const get = <K extends string>(k: K) => (p as Record<string, unknown>)[`${which}${k}`];
  const spec: TargetSpec = { reference };
  const bool = (v: unknown) => v === true;
  if (bool(get('OciLayout'))) spec.ociLayout = true;
  if (bool(get('PlainHttp')) || p.plainHttp) spec.plainHttp = true;
  if (bool(get('Insecure')) || p.insecure) spec.insecure = true;
  for (const [k, field] of [
    ['CaFile', 'caFile'],
    ['Username', 'username'],
    ['Password', 'password'],
    ['IdentityToken', 'identityToken'],
    ['RegistryConfig', 'registryConfig'],
    ['DistributionSpec', 'distributionSpec'],
  ] as const) {
    const v = get(k);
    if (typeof v === 'string') (spec as unknown as Record<string, string>)[field] = v;
  }
  if (p.noCache) spec.noCache = true;
  if (p.listingLimits) spec.listingLimits = p.listingLimits;
  return spec;
}

export async function handleCopy(engine: Engine, p: CopyParams, ctx: CallContext): Promise<CopyResult> {
  const src = engine.openTarget(side(p, 'from', p.source), ctx);
  const dst = engine.openTarget(side(p, 'to', p.destination), ctx, 'write');
  if (dst.digest) {
    throw new OrasdError(ErrorCodes.InvalidReference, `copy destination must be a repository or tags, not a digest: ${p.destination}`, { reference: p.destination });
  }
  const out = await copy(
    src.target,
    dst.target,
    {
      selector: src.selector,
      tags: dst.tags,
      ...(p.recursive ? { recursive: true } : {}),
      ...(p.concurrency ? { concurrency: p.concurrency } : {}),
      ...(p.platform ? { platform: p.platform } : {}),
      ...(p.noCache ? { noCache: true } : {}),
    },
    { ...ctx, referrerChecks: engine.referrerChecks },
  );
  return {
    ...referenced(dst.target, out.descriptor),
    source: src.target.reference(src.selector),
    referenceAsTags: out.tags.map((t) => dst.target.reference(t)),
    stats: out.stats,
  };
}
