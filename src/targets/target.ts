import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor';

/** Per-call options every target method takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Bypass tag and referrers caches (digest-addressed content stays cached: it cannot change). */
  noCache?: boolean;
}

export interface TransferOptions extends CallOptions {
  /** Called with the running byte count as content moves. */
  onBytes?: (done: number) => void;
}

/** Where a pushed blob came from, so the registry can mount instead of upload. */
export interface BlobOrigin {
  /** Same registry host, other repository. */
  registry: string;
  repository: string;
}

export type BlobPushOutcome = 'pushed' | 'exists' | 'mounted';

export interface ManifestBytes {
  descriptor: Descriptor;
  bytes: Buffer;
}

/**
 * One repository of a registry, or one OCI image layout folder: what graph operations need and
 * nothing more. Every read is verified against its descriptor; every write leaves the target
 * consistent when it fails or is cancelled. Targets keep the referrers of a subject findable
 * (referrers API, the `sha256-<hex>` fallback index, or the layout's own scan) so operations
 * never handle that detail.
 */
export interface Target {
  readonly kind: 'registry' | 'layout';
  /** For messages: "localhost:5000/samples/artifact" or "oci-layout ./dir". */
  readonly name: string;
  /** Registry host, or the layout path: goes into error data as `registry`. */
  readonly location: string;
  /** Repository within the registry (registry targets only): lets a copy mount blobs across repositories. */
  readonly repository?: string;
  /** A reference a user can pass back: `host/repo@digest`, `host/repo:tag`, `path@digest`. */
  reference(selector?: string): string;

  /** Tag or digest → manifest descriptor (mediaType, digest, size). */
  resolve(selector: string, opts?: CallOptions): Promise<Descriptor>;
  /** Manifest bytes by descriptor or selector, verified against the digest. */
  fetchManifest(target: Descriptor | string, opts?: CallOptions): Promise<ManifestBytes>;
  /**
   * A blob's bytes. The stream fails (and must not be trusted before it ends) when the content
   * does not match the descriptor.
   */
  fetchBlob(desc: Descriptor, opts?: TransferOptions): Promise<Readable>;
  /** A blob's descriptor from its digest alone (size from the target; mediaType application/octet-stream). */
  statBlob(digest: string, opts?: CallOptions): Promise<Descriptor>;
  /** Whether content (blob or manifest, by media type) exists. */
  exists(desc: Descriptor, opts?: CallOptions): Promise<boolean>;
  /**
   * Stores a blob whose descriptor is known. `open` may be called more than once (retries) and
   * must yield the same bytes each time.
   */
  pushBlob(desc: Descriptor, open: () => Readable | Promise<Readable>, opts?: TransferOptions & { origin?: BlobOrigin }): Promise<BlobPushOutcome>;
  /**
   * Stores a manifest (optionally under a tag). When it has a subject, the target keeps the
   * subject's referrers list up to date.
   */
  pushManifest(desc: Descriptor, bytes: Buffer, tag?: string, opts?: CallOptions): Promise<void>;
  tag(desc: Descriptor, tag: string, opts?: CallOptions): Promise<void>;
  /** Deletes a manifest; when it had a subject, its entry leaves the subject's referrers list. */
  deleteManifest(desc: Descriptor, opts?: CallOptions): Promise<void>;
  deleteBlob(desc: Descriptor, opts?: CallOptions): Promise<void>;
  tags(opts?: CallOptions & { last?: string }): Promise<string[]>;
  /** Direct referrers of a subject (each with artifactType and annotations). */
  referrers(subject: Descriptor, opts?: CallOptions & { artifactType?: string }): Promise<Descriptor[]>;
}

/** A target that can enumerate repositories (a registry's catalog). */
export interface Catalog {
  repositories(opts?: CallOptions & { last?: string }): Promise<string[]>;
}
