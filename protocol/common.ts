import { Type, type Static, type TSchema, type TObject, type TProperties } from '@sinclair/typebox';

/** Objects of the protocol reject unknown keys so a misspelt option fails loudly instead of being ignored. */
export function Obj<T extends TProperties>(properties: T, description?: string): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

export const Digest = Type.String({
  pattern: '^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$',
  description: 'Content digest, e.g. sha256:<64 hex>',
});

export const Annotations = Type.Record(Type.String(), Type.String(), { description: 'String-to-string annotations' });

export const Platform = Obj({
  architecture: Type.String(),
  os: Type.String(),
  variant: Type.Optional(Type.String()),
  'os.version': Type.Optional(Type.String()),
  'os.features': Type.Optional(Type.Array(Type.String())),
});

/** An OCI content descriptor (image-spec descriptor.md). Unknown fields are kept, as the spec requires. */
export const Descriptor = Type.Object(
  {
    mediaType: Type.String(),
    digest: Digest,
    size: Type.Integer({ minimum: 0 }),
    artifactType: Type.Optional(Type.String()),
    annotations: Type.Optional(Annotations),
    urls: Type.Optional(Type.Array(Type.String())),
    data: Type.Optional(Type.String({ description: 'base64 embedded content' })),
    platform: Type.Optional(Platform),
  },
  { additionalProperties: true },
);
export type Descriptor = Static<typeof Descriptor>;

/** A descriptor as results show it: with the reference (`repo@digest`) a user can pass on. */
export const ReferencedDescriptor = Type.Composite([Descriptor, Type.Object({ reference: Type.String() })], {
  additionalProperties: true,
});
export type ReferencedDescriptor = Static<typeof ReferencedDescriptor>;

export const DistributionSpec = Type.Union([Type.Literal('v1.1-referrers-api'), Type.Literal('v1.1-referrers-tag')]);

/**
 * How to reach one target. Flag names follow the oras command line in camelCase.
 * Credentials given here are used for this request only and never stored or logged.
 */
export const TargetFields = {
  reference: Type.String({
    minLength: 1,
    description: 'host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]',
  }),
  ociLayout: Type.Optional(Type.Boolean({ description: 'The reference names an OCI image layout folder' })),
  plainHttp: Type.Optional(Type.Boolean({ description: 'Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon\'s config file lists (plainHttp), else HTTPS' })),
  insecure: Type.Optional(Type.Boolean({ description: 'Skip TLS verification' })),
  caFile: Type.Optional(Type.String({ description: 'PEM file of extra trusted CAs' })),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  identityToken: Type.Optional(Type.String({ description: 'OAuth2 refresh token' })),
  registryConfig: Type.Optional(Type.String({ description: 'Path of a docker config.json holding credentials' })),
  distributionSpec: Type.Optional(DistributionSpec),
  noCache: Type.Optional(Type.Boolean({ description: 'Bypass the tag and referrers caches for this request' })),
};

/**
 * Caps on what one request may read from registry listings (tags, repositories, referrers through
 * the API or the tag-schema index). Absent fields take the daemon's defaults (`orasd serve
 * --listing-max-*`). Going past one is LIMIT_EXCEEDED, never a cut-short list.
 */
export const ListingLimits = Obj(
  {
    maxEntries: Type.Optional(Type.Integer({ minimum: 1, description: 'Entries read over all listings of the request (default 1,000,000)' })),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, description: 'Body bytes read over all listings of the request (default 64 MiB)' })),
    maxPageBytes: Type.Optional(Type.Integer({ minimum: 1, description: 'Bytes of one page body (default 16 MiB)' })),
    maxPages: Type.Optional(Type.Integer({ minimum: 1, description: 'Pages of one listing (default 10,000)' })),
  },
  'Limits on the registry listings of this request',
);
export type ListingLimits = Static<typeof ListingLimits>;

/** Fields every request may carry. */
export const RequestFields = {
  cwd: Type.Optional(Type.String({ description: 'Directory relative paths resolve against (default: the daemon\'s)' })),
  progressToken: Type.Optional(
    Type.Union([Type.String(), Type.Integer()], { description: 'When set, the daemon sends $/progress with this token' }),
  ),
};

export const FileRef = Obj({
  path: Type.String({ minLength: 1 }),
  mediaType: Type.Optional(Type.String()),
});
export type FileRef = Static<typeof FileRef>;

export function Optional<T extends TSchema>(t: T) {
  return Type.Optional(t);
}
