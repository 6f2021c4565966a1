import { Type, type Static } from '@sinclair/typebox';
import { Descriptor, ListingLimits, Obj, ReferencedDescriptor, RequestFields, TargetFields } from './common';

const PlatformString = Type.Optional(Type.String({ description: 'os/arch[/variant], picks a manifest inside an index' }));

export const ResolveParams = Obj({ ...TargetFields, ...RequestFields, platform: PlatformString });
export type ResolveParams = Static<typeof ResolveParams>;
export const ResolveResult = ReferencedDescriptor;
export type ResolveResult = Static<typeof ResolveResult>;

export const TagParams = Obj({
  ...TargetFields,
  ...RequestFields,
  tags: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
});
export type TagParams = Static<typeof TagParams>;
export const TagResult = Type.Composite([ReferencedDescriptor, Type.Object({ tagged: Type.Array(Type.String()) })], {
  additionalProperties: true,
});
export type TagResult = Static<typeof TagResult>;

export const ManifestFetchParams = Obj({
  ...TargetFields,
  ...RequestFields,
  platform: PlatformString,
  descriptor: Type.Optional(Type.Boolean({ description: 'Only the descriptor (HEAD), not the content' })),
  output: Type.Optional(Type.String({ description: 'Also write the raw manifest bytes to this file' })),
  mediaTypes: Type.Optional(Type.Array(Type.String(), { description: 'Accept only these manifest media types' })),
});
export type ManifestFetchParams = Static<typeof ManifestFetchParams>;
export const ManifestFetchResult = Obj({
  descriptor: ReferencedDescriptor,
  content: Type.Optional(Type.String({ description: 'The manifest bytes as UTF-8 text, exactly as stored' })),
  manifest: Type.Optional(Type.Unknown({ description: 'The manifest parsed' })),
});
export type ManifestFetchResult = Static<typeof ManifestFetchResult>;

export const ManifestFetchConfigParams = Obj({
  ...TargetFields,
  ...RequestFields,
  platform: PlatformString,
  descriptor: Type.Optional(Type.Boolean()),
  output: Type.Optional(Type.String({ description: 'Write the config to this file instead of returning it' })),
});
export type ManifestFetchConfigParams = Static<typeof ManifestFetchConfigParams>;
export const ManifestFetchConfigResult = Obj({
  descriptor: ReferencedDescriptor,
  content: Type.Optional(Type.String({ description: 'Config bytes as text (encoding says how)' })),
  encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('base64')])),
  path: Type.Optional(Type.String()),
});
export type ManifestFetchConfigResult = Static<typeof ManifestFetchConfigResult>;

export const ManifestPushParams = Obj({
  ...TargetFields,
  ...RequestFields,
  file: Type.Optional(Type.String({ description: 'Manifest file to push' })),
  content: Type.Optional(Type.String({ description: 'Manifest text to push (instead of file)' })),
  mediaType: Type.Optional(Type.String({ description: 'Default: the mediaType field of the manifest' })),
  extraTags: Type.Optional(Type.Array(Type.String())),
});
export type ManifestPushParams = Static<typeof ManifestPushParams>;
export const ManifestPushResult = Type.Composite([ReferencedDescriptor, Type.Object({ referenceAsTags: Type.Array(Type.String()) })], {
  additionalProperties: true,
});
export type ManifestPushResult = Static<typeof ManifestPushResult>;

export const ManifestDeleteParams = Obj({
  ...TargetFields,
  ...RequestFields,
  force: Type.Optional(Type.Boolean({ description: 'No error when the manifest does not exist' })),
  cascade: Type.Optional(Type.Boolean({ description: 'Delete every referrer, recursively, bottom-up, then the manifest' })),
  listingLimits: Type.Optional(ListingLimits),
});
export type ManifestDeleteParams = Static<typeof ManifestDeleteParams>;
export const ManifestDeleteResult = Obj({
  deleted: Type.Array(ReferencedDescriptor, { description: 'In deletion order (referrers first)' }),
  notFound: Type.Boolean({ description: 'True when force was given and nothing existed' }),
});
export type ManifestDeleteResult = Static<typeof ManifestDeleteResult>;

export const BlobFetchParams = Obj({
  ...TargetFields,
  ...RequestFields,
  output: Type.Optional(Type.String({ description: 'File to write (required unless descriptor)' })),
  descriptor: Type.Optional(Type.Boolean()),
});
export type BlobFetchParams = Static<typeof BlobFetchParams>;
export const BlobFetchResult = Obj({ descriptor: ReferencedDescriptor, path: Type.Optional(Type.String()) });
export type BlobFetchResult = Static<typeof BlobFetchResult>;

export const BlobPushParams = Obj({
  ...TargetFields,
  ...RequestFields,
  file: Type.String({ description: 'File to upload' }),
  mediaType: Type.Optional(Type.String()),
  size: Type.Optional(Type.Integer({ minimum: 0, description: 'Expected size (checked)' })),
});
export type BlobPushParams = Static<typeof BlobPushParams>;
export const BlobPushResult = ReferencedDescriptor;
export type BlobPushResult = Static<typeof BlobPushResult>;

export const BlobDeleteParams = Obj({ ...TargetFields, ...RequestFields, force: Type.Optional(Type.Boolean()) });
export type BlobDeleteParams = Static<typeof BlobDeleteParams>;
export const BlobDeleteResult = Obj({ descriptor: Type.Optional(Descriptor), notFound: Type.Boolean() });
export type BlobDeleteResult = Static<typeof BlobDeleteResult>;

export const RepoTagsParams = Obj({
  ...TargetFields,
  ...RequestFields,
  last: Type.Optional(Type.String({ description: 'Start after this tag' })),
  excludeDigestTags: Type.Optional(Type.Boolean({ description: 'Hide sha256-<hex> referrers fallback tags' })),
  listingLimits: Type.Optional(ListingLimits),
});
export type RepoTagsParams = Static<typeof RepoTagsParams>;
export const RepoTagsResult = Obj({ tags: Type.Array(Type.String()) });
export type RepoTagsResult = Static<typeof RepoTagsResult>;

export const RepoListParams = Obj({
  ...TargetFields,
  ...RequestFields,
  last: Type.Optional(Type.String()),
  listingLimits: Type.Optional(ListingLimits),
});
export type RepoListParams = Static<typeof RepoListParams>;
export const RepoListResult = Obj({ repositories: Type.Array(Type.String()) });
export type RepoListResult = Static<typeof RepoListResult>;
