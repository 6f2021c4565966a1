/**
 * Error codes of the orasd protocol. Stable: clients switch on these numbers, so a code never
 * changes meaning and retired codes are never reused.
 *
 * - JSON-RPC 2.0 reserves -32768..-32000; we use its standard codes plus LSP's -32800 (cancelled).
 * - 1000..1099 mirror the OCI distribution-spec error codes a registry answers with (an OCI image
 *   layout answers with the same codes, so a client handles "not found" once for both targets).
 * - 1100..1199 are failures orasd finds itself (input, files, integrity, configuration).
 * - 1200..1299 concern the daemon and its clients (version handshake, lifecycle).
 */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  RequestCancelled: -32800,

  // OCI distribution-spec codes (and their HTTP-level relatives).
  BlobUnknown: 1001,
  BlobUploadInvalid: 1002,
  BlobUploadUnknown: 1003,
  DigestInvalid: 1004,
  ManifestBlobUnknown: 1005,
  ManifestInvalid: 1006,
  ManifestUnknown: 1007,
  NameInvalid: 1008,
  NameUnknown: 1009,
  SizeInvalid: 1010,
  Unauthorized: 1011,
  Denied: 1012,
  Unsupported: 1013,
  TooManyRequests: 1014,
  /** DNS, TCP, TLS or timeout failure talking to the registry. */
  RegistryUnreachable: 1020,
  /** A registry answer that fits no other code (5xx after retries, malformed responses). */
  RegistryError: 1021,

  // Local failures.
  InvalidReference: 1100,
  DigestMismatch: 1101,
  PathTraversal: 1102,
  FileExists: 1103,
  NotLoggedIn: 1104,
  FileNotFound: 1105,
  ManifestTooLarge: 1106,
  /** A manifest, index or config that does not parse or breaks the image spec. */
  InvalidManifest: 1107,
  /** A referrers fallback tag (sha256-<hex>) that holds something other than an image index. */
  InvalidReferrersIndex: 1108,
  /** Bad combination of arguments that the JSON schema cannot express. */
  InvalidArgument: 1109,
  CredentialHelperFailed: 1110,
  Timeout: 1111,
  /** A referrers graph in the destination that was found incomplete and could not be healed. */
  IncompleteGraph: 1112,
  /** Unsafe entry in a tar layer (device file, link escaping the folder). */
  UnsafeArchive: 1113,
  /**
   * A limit that protects the shared daemon was reached: a listing (tags, referrers, catalog) with
   * too many entries or bytes or pages, an extraction with too many files or expanded bytes, a
   * frame or connection count. `error.data.detail` names the limit, its value and how to raise it.
   */
  LimitExceeded: 1114,

  // Daemon and clients.
  /** The client is newer than this daemon: the client should replace the daemon and retry. */
  DaemonOutdated: 1200,
  ShuttingDown: 1201,
  /**
   * Raised by clients, never by the daemon: the daemon went away while a request that changes
   * something was in flight, so it may or may not have taken effect. The client does not repeat
   * it; look at the target (resolve, repo/tags, the files) and send it again if it is missing.
   */
  Interrupted: 1202,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorCodeName];

/** OCI distribution-spec error code strings → our numeric codes. */
export const OciErrorCodes: Record<string, ErrorCode> = {
  BLOB_UNKNOWN: ErrorCodes.BlobUnknown,
  BLOB_UPLOAD_INVALID: ErrorCodes.BlobUploadInvalid,
  BLOB_UPLOAD_UNKNOWN: ErrorCodes.BlobUploadUnknown,
  DIGEST_INVALID: ErrorCodes.DigestInvalid,
  MANIFEST_BLOB_UNKNOWN: ErrorCodes.ManifestBlobUnknown,
  MANIFEST_INVALID: ErrorCodes.ManifestInvalid,
  MANIFEST_UNKNOWN: ErrorCodes.ManifestUnknown,
  NAME_INVALID: ErrorCodes.NameInvalid,
  NAME_UNKNOWN: ErrorCodes.NameUnknown,
  SIZE_INVALID: ErrorCodes.SizeInvalid,
  UNAUTHORIZED: ErrorCodes.Unauthorized,
  DENIED: ErrorCodes.Denied,
  UNSUPPORTED: ErrorCodes.Unsupported,
  TOOMANYREQUESTS: ErrorCodes.TooManyRequests,
};

/** The symbolic name carried in `error.data.code`, e.g. "MANIFEST_UNKNOWN" or "DIGEST_MISMATCH". */
export function errorCodeName(code: number): string {
  for (const [oci, n] of Object.entries(OciErrorCodes)) if (n === code) return oci;
  for (const [name, n] of Object.entries(ErrorCodes)) {
    if (n === code) return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  }
  return 'UNKNOWN';
}

/**
 * `error.data` of every orasd error: enough for a person to act on and for a program to branch on.
 * Secrets never appear here.
 */
export interface ErrorData {
  /** Symbolic name of the code, e.g. "UNAUTHORIZED". */
  code: string;
  /** The reference the request named, as the user wrote it. */
  reference?: string;
  /** Registry host (or OCI layout path) the failure concerns. */
  registry?: string;
  /** HTTP status the registry answered with, when there was one. */
  status?: number;
  /** What to do about it. */
  hint?: string;
  /** Offending file, for local failures. */
  path?: string;
  /** Further machine-readable detail (e.g. the registry's error list, expected/actual digest). */
  detail?: unknown;
}
