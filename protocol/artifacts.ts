import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Annotations, Descriptor, DistributionSpec, FileRef, ListingLimits, Obj, ReferencedDescriptor, RequestFields, TargetFields } from './common';

const Concurrency = Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'Parallel blob transfers (default 5)' }));
const PlatformString = Type.Optional(Type.String({ description: 'os/arch[/variant][:os_version], picks a manifest inside an index' }));

/** Options shared by push and attach: what goes into the manifest. */
const PackFields = {
  files: Type.Array(FileRef, { description: 'Files and folders to pack; a folder becomes one tar+gzip layer' }),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Manifest annotations' })),
  annotationFile: Type.Optional(Type.String({ description: 'JSON file: {"$manifest": {...}, "$config": {...}, "<file title>": {...}}' })),
  exportManifest: Type.Optional(Type.String({ description: 'Also write the pushed manifest to this file' })),
  disablePathValidation: Type.Optional(Type.Boolean({ description: 'Allow absolute file paths (their titles keep the path)' })),
  concurrency: Concurrency,
};

export const PushParams = Obj({
  ...TargetFields,
  ...RequestFields,
  ...PackFields,
  artifactType: Type.Optional(Type.String({ description: 'Default application/vnd.unknown.artifact.v1 (unless config is given)' })),
  config: Type.Optional(Obj({ path: Type.String(), mediaType: Type.Optional(Type.String()) })),
  imageSpec: Type.Optional(Type.Union([Type.Literal('v1.1'), Type.Literal('v1.0')])),
});
export type PushParams = Static<typeof PushParams>;

export const PushResult = Type.Composite(
  [ReferencedDescriptor, Type.Object({ referenceAsTags: Type.Array(Type.String()), layers: Type.Array(Descriptor) })],
  { additionalProperties: true },
);
export type PushResult = Static<typeof PushResult>;

export const AttachParams = Obj({
  ...TargetFields,
  ...RequestFields,
  ...PackFields,
  artifactType: Type.String({ minLength: 1 }),
  platform: PlatformString,
});
export type AttachParams = Static<typeof AttachParams>;

export const AttachResult = Type.Composite(
  [
    ReferencedDescriptor,
    Type.Object({
      subject: Descriptor,
      layers: Type.Array(Descriptor),
      referrersHealed: Type.Integer({
        minimum: 0,
        description: "1 when the subject's referrers listing lacked the new manifest after the push and it was put again until the listing showed it",
      }),
    }),
  ],
  { additionalProperties: true },
);
export type AttachResult = Static<typeof AttachResult>;

export const PullParams = Obj({
  ...TargetFields,
  ...RequestFields,
  output: Type.Optional(Type.String({ description: 'Output folder (default: cwd)' })),
  keepOldFiles: Type.Optional(Type.Boolean()),
  allowPathTraversal: Type.Optional(Type.Boolean()),
  includeSubject: Type.Optional(Type.Boolean({ description: 'Also pull the subject, recursively' })),
  mediaTypes: Type.Optional(Type.Array(Type.String(), { description: 'Only layers of these media types (2021 --media-type)' })),
  platform: PlatformString,
  concurrency: Concurrency,
  maxExtractEntries: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Most files, folders and links one folder layer may unpack to (default: the daemon\'s --max-extract-entries, else 1,000,000); beyond it LIMIT_EXCEEDED' }),
  ),
  maxExtractBytes: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Most bytes of file content one folder layer may unpack to (default: the daemon\'s --max-extract-bytes, else 16 GiB); beyond it LIMIT_EXCEEDED' }),
  ),
});
export type PullParams = Static<typeof PullParams>;

export const PulledFile = Type.Composite(
  [ReferencedDescriptor, Type.Object({ path: Type.String({ description: 'Absolute path written' }) })],
  { additionalProperties: true },
);
export const PullResult = Type.Composite(
  [ReferencedDescriptor, Type.Object({ files: Type.Array(PulledFile), skipped: Type.Array(Descriptor) })],
  { additionalProperties: true },
);
export type PullResult = Static<typeof PullResult>;

export const DiscoverParams = Obj({
  ...TargetFields,
  ...RequestFields,
  artifactType: Type.Optional(Type.String({ description: 'Only referrers of this artifact type (at every level)' })),
  depth: Type.Optional(Type.Integer({ minimum: 1, description: 'Levels to follow (default: all)' })),
  platform: PlatformString,
  listingLimits: Type.Optional(ListingLimits),
});
export type DiscoverParams = Static<typeof DiscoverParams>;

export interface DiscoverNode extends ReferencedDescriptor {
  referrers: DiscoverNode[];
}
export const DiscoverNode: TSchema = Type.Recursive(
  (Self) =>
    Type.Composite([ReferencedDescriptor, Type.Object({ referrers: Type.Array(Self) })], { additionalProperties: true }),
  { $id: 'DiscoverNode' },
);
export const DiscoverResult = Type.Unsafe<DiscoverNode & { manifests: Descriptor[] }>(
  Type.Composite([ReferencedDescriptor, Type.Object({ referrers: Type.Array(Type.Ref('DiscoverNode')), manifests: Type.Array(Descriptor) })], {
    additionalProperties: true,
    description: 'The subject with nested referrers (oras 1.3 JSON) and the flat list of direct referrers (oras 1.1 `manifests`)',
  }),
);
export type DiscoverResult = DiscoverNode & { manifests: Descriptor[] };

const OptBool = () => Type.Optional(Type.Boolean());
const OptStr = () => Type.Optional(Type.String());

export const CopyParams = Obj({
  ...RequestFields,
  source: Type.String({ minLength: 1 }),
  destination: Type.String({ minLength: 1, description: 'Reference; tags after ":" separated by ","; repository alone keeps the source tag' }),
  recursive: Type.Optional(Type.Boolean({ description: 'Also copy referrers, at every level' })),
  concurrency: Concurrency,
  platform: PlatformString,
  // One side each, named as oras's --from-* / --to-* flags.
  fromOciLayout: OptBool(),
  fromPlainHttp: OptBool(),
  fromInsecure: OptBool(),
  fromCaFile: OptStr(),
  fromUsername: OptStr(),
  fromPassword: OptStr(),
  fromIdentityToken: OptStr(),
  fromRegistryConfig: OptStr(),
  fromDistributionSpec: Type.Optional(DistributionSpec),
  toOciLayout: OptBool(),
  toPlainHttp: OptBool(),
  toInsecure: OptBool(),
  toCaFile: OptStr(),
  toUsername: OptStr(),
  toPassword: OptStr(),
  toIdentityToken: OptStr(),
  toRegistryConfig: OptStr(),
  toDistributionSpec: Type.Optional(DistributionSpec),
  plainHttp: Type.Optional(Type.Boolean({ description: 'Both sides' })),
  insecure: Type.Optional(Type.Boolean({ description: 'Both sides' })),
  noCache: OptBool(),
  listingLimits: Type.Optional(ListingLimits),
});
export type CopyParams = Static<typeof CopyParams>;

export const CopyResult = Type.Composite(
  [
    ReferencedDescriptor,
    Type.Object({
      source: Type.String(),
      referenceAsTags: Type.Array(Type.String()),
      stats: Obj({
        manifests: Type.Integer({ description: 'Manifests written to the destination' }),
        blobs: Type.Integer({ description: 'Blobs transferred' }),
        mounted: Type.Integer({ description: 'Blobs mounted from the source repository' }),
        skipped: Type.Integer({ description: 'Nodes already present' }),
        healed: Type.Integer({ description: 'Missing children found under present manifests and copied' }),
        referrersHealed: Type.Integer({ description: "Referrers a subject's listing at the destination lacked after the copy, put again until it showed them" }),
        bytes: Type.Integer({ description: 'Bytes transferred' }),
      }),
    }),
  ],
  { additionalProperties: true },
);
export type CopyResult = Static<typeof CopyResult>;

export { Annotations };
