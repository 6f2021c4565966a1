/** Media types and well-known annotation keys of the OCI image spec and of oras. */
export const MediaTypes = {
  ImageManifest: 'application/vnd.oci.image.manifest.v1+json',
  ImageIndex: 'application/vnd.oci.image.index.v1+json',
  ImageConfig: 'application/vnd.oci.image.config.v1+json',
  ImageLayer: 'application/vnd.oci.image.layer.v1.tar',
  ImageLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  Empty: 'application/vnd.oci.empty.v1+json',
  /** Withdrawn OCI artifact manifest (image-spec 1.1 rc); still read, never written. */
  ArtifactManifest: 'application/vnd.oci.artifact.manifest.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifestV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  /** oras defaults. */
  UnknownArtifact: 'application/vnd.unknown.artifact.v1',
  UnknownConfig: 'application/vnd.unknown.config.v1+json',
  DefaultLayer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export const Annotations = {
  Title: 'org.opencontainers.image.title',
  Created: 'org.opencontainers.image.created',
  /** oras: digest of the uncompressed tar of a folder layer. */
  ContentDigest: 'io.deis.oras.content.digest',
  /** oras: "true" when the layer is a folder to unpack. */
  ContentUnpack: 'io.deis.oras.content.unpack',
} as const;

/** The image-spec "empty" descriptor: `{}` (2 bytes). */
export const EmptyJson = {
  mediaType: MediaTypes.Empty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

export const ManifestMediaTypes: readonly string[] = [
  MediaTypes.ImageManifest,
  MediaTypes.ImageIndex,
  MediaTypes.DockerManifest,
  MediaTypes.DockerManifestList,
  MediaTypes.ArtifactManifest,
];

export function isManifestMediaType(mt: string): boolean {
  return ManifestMediaTypes.includes(mt);
}
export function isIndexMediaType(mt: string): boolean {
  return mt === MediaTypes.ImageIndex || mt === MediaTypes.DockerManifestList;
}

/** The Accept header for manifest requests: every type we can read. */
export const ManifestAccept = ManifestMediaTypes.join(', ');

/** Largest manifest we accept, as the distribution spec recommends registries do. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
