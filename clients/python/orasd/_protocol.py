"""The orasd protocol for Python: generated from protocol/schema.json by clients/python/gen_protocol.py.

Do not edit: run `npm run gen` (or `python3 clients/python/gen_protocol.py`). Result types keep
the wire's camelCase keys; method keyword arguments are snake_case.
"""
# fmt: off
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, FrozenSet, List, Literal, NamedTuple, Optional, Tuple, Type, TypedDict, Union, cast

from .errors import NotFound, OrasdError

PROTOCOL_VERSION = "1.0"

# Result and payload types ------------------------------------------------

_PlatformRequired = TypedDict("_PlatformRequired", {
    "architecture": str,
    "os": str,
})

_PlatformOptional = TypedDict("_PlatformOptional", {
    "variant": str,
    "os.version": str,
    "os.features": List[str],
}, total=False)


class Platform(_PlatformRequired, _PlatformOptional):
    pass


class _DiscoverNodeRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    referrers: List[DiscoverNode]


class DiscoverNode(_DiscoverNodeRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class InitializeResultCapabilities(TypedDict):
    methods: List[str]
    framing: List[str]
    targets: List[str]


class _InitializeResultRequired(TypedDict):
    serverName: str
    serverVersion: str
    protocolVersion: str
    pid: int
    capabilities: InitializeResultCapabilities


class InitializeResult(_InitializeResultRequired, total=False):
    #: Build id of the daemon (changes with every build, unlike the version)
    serverBuild: str


class StatusResultClients(TypedDict):
    connected: int
    total: int


class StatusResultRequests(TypedDict):
    inFlight: int
    total: int
    succeeded: int
    failed: int
    cancelled: int
    byMethod: Dict[str, int]


class StatusResultHttp(TypedDict):
    requests: int
    byOrigin: Dict[str, int]
    #: New registry connections by protocol: h2, http/1.1 (TLS) or http (plain)
    connections: Dict[str, int]
    tokenFetches: int


class StatusResultCachesManifests(TypedDict):
    entries: int
    bytes: int
    hits: int
    misses: int


class StatusResultCachesTags(TypedDict):
    entries: int
    hits: int
    misses: int


class StatusResultCachesTokens(TypedDict):
    entries: int


class StatusResultCachesKnownBlobs(TypedDict):
    entries: int


class StatusResultCaches(TypedDict):
    manifests: StatusResultCachesManifests
    tags: StatusResultCachesTags
    tokens: StatusResultCachesTokens
    knownBlobs: StatusResultCachesKnownBlobs


class StatusResultReferrers(TypedDict):
    """Read-backs of referrers listings after attach and copy -r: subjects checked, referrers a listing lacked and that were put again until it showed them, checks that still lacked some (IncompleteGraph)"""
    checked: int
    healed: int
    incomplete: int


class StatusResultMemory(TypedDict):
    rss: int
    heapUsed: int


class _StatusResultSettingsRequired(TypedDict):
    #: 0: never exits for idleness
    idleTimeoutSeconds: float
    logLevel: str
    #: Registries reached over plain HTTP unless a request says otherwise (the config file's plainHttp)
    plainHttp: List[str]


class StatusResultSettings(_StatusResultSettingsRequired, total=False):
    """What the daemon runs with, from its flags, ORASD_* variables and config file"""
    #: The config file read at start, when there was one
    configFile: str


class _StatusResultRequired(TypedDict):
    version: str
    pid: int
    uptimeSeconds: float
    clients: StatusResultClients
    requests: StatusResultRequests
    http: StatusResultHttp
    caches: StatusResultCaches
    #: Read-backs of referrers listings after attach and copy -r: subjects checked, referrers a listing lacked and that were put again until it showed them, checks that still lacked some (IncompleteGraph)
    referrers: StatusResultReferrers
    memory: StatusResultMemory


class StatusResult(_StatusResultRequired, total=False):
    #: Build id of the daemon
    build: str
    socket: str
    #: What the daemon runs with, from its flags, ORASD_* variables and config file
    settings: StatusResultSettings


class CacheListResultManifestsRepositories(TypedDict):
    registry: str
    repository: str
    entries: int
    bytes: int


class CacheListResultManifests(TypedDict):
    entries: int
    bytes: int
    #: Verified manifests by repository (every caller identity together)
    repositories: List[CacheListResultManifestsRepositories]


class CacheListResultTagsRepositories(TypedDict):
    registry: str
    repository: str
    entries: int
    tags: List[str]


class CacheListResultTags(TypedDict):
    entries: int
    #: Tag → digest answers by repository; fresh for a few seconds, then revalidated
    repositories: List[CacheListResultTagsRepositories]


class CacheListResultTokensRegistries(TypedDict):
    registry: str
    entries: int


class CacheListResultTokens(TypedDict):
    entries: int
    #: Bearer tokens counted per registry; the tokens themselves are never shown
    registries: List[CacheListResultTokensRegistries]


class CacheListResultKnownBlobsRepositories(TypedDict):
    registry: str
    repository: str
    entries: int


class CacheListResultKnownBlobs(TypedDict):
    entries: int
    #: Blobs seen in a repository (their existence checks are skipped for a while)
    repositories: List[CacheListResultKnownBlobsRepositories]


class CacheListResult(TypedDict):
    manifests: CacheListResultManifests
    tags: CacheListResultTags
    tokens: CacheListResultTokens
    knownBlobs: CacheListResultKnownBlobs


class CacheClearResult(TypedDict):
    """Entries dropped from each cache"""
    manifests: int
    tags: int
    tokens: int
    knownBlobs: int


class _FileRefRequired(TypedDict):
    path: str


class FileRef(_FileRefRequired, total=False):
    mediaType: str


class _DescriptorRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int


class Descriptor(_DescriptorRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _PushResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    referenceAsTags: List[str]
    layers: List[Descriptor]


class PushResult(_PushResultRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _PulledFileRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    #: Absolute path written
    path: str


class PulledFile(_PulledFileRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _PullResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    files: List[PulledFile]
    skipped: List[Descriptor]


class PullResult(_PullResultRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _AttachResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    subject: Descriptor
    layers: List[Descriptor]
    #: 1 when the subject's referrers listing lacked the new manifest after the push and it was put again until the listing showed it
    referrersHealed: int


class AttachResult(_AttachResultRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class DiscoverParamsListingLimits(TypedDict, total=False):
    """Limits on the registry listings of this request"""
    #: Entries read over all listings of the request (default 1,000,000)
    maxEntries: int
    #: Body bytes read over all listings of the request (default 64 MiB)
    maxBytes: int
    #: Bytes of one page body (default 16 MiB)
    maxPageBytes: int
    #: Pages of one listing (default 10,000)
    maxPages: int


class _DiscoverResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    referrers: List[DiscoverNode]
    manifests: List[Descriptor]


class DiscoverResult(_DiscoverResultRequired, total=False):
    """The subject with nested referrers (oras 1.3 JSON) and the flat list of direct referrers (oras 1.1 `manifests`)"""
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class CopyParamsListingLimits(TypedDict, total=False):
    """Limits on the registry listings of this request"""
    #: Entries read over all listings of the request (default 1,000,000)
    maxEntries: int
    #: Body bytes read over all listings of the request (default 64 MiB)
    maxBytes: int
    #: Bytes of one page body (default 16 MiB)
    maxPageBytes: int
    #: Pages of one listing (default 10,000)
    maxPages: int


class CopyResultStats(TypedDict):
    #: Manifests written to the destination
    manifests: int
    #: Blobs transferred
    blobs: int
    #: Blobs mounted from the source repository
    mounted: int
    #: Nodes already present
    skipped: int
    #: Missing children found under present manifests and copied
    healed: int
    #: Referrers a subject's listing at the destination lacked after the copy, put again until it showed them
    referrersHealed: int
    #: Bytes transferred
    bytes: int


class _CopyResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    source: str
    referenceAsTags: List[str]
    stats: CopyResultStats


class CopyResult(_CopyResultRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _TagResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    tagged: List[str]


class TagResult(_TagResultRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _ReferencedDescriptorRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str


class ReferencedDescriptor(_ReferencedDescriptorRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class _ManifestFetchResultRequired(TypedDict):
    descriptor: ReferencedDescriptor


class ManifestFetchResult(_ManifestFetchResultRequired, total=False):
    #: The manifest bytes as UTF-8 text, exactly as stored
    content: str
    #: The manifest parsed
    manifest: Any


class _ManifestFetchConfigResultRequired(TypedDict):
    descriptor: ReferencedDescriptor


class ManifestFetchConfigResult(_ManifestFetchConfigResultRequired, total=False):
    #: Config bytes as text (encoding says how)
    content: str
    encoding: Literal["utf8", "base64"]
    path: str


class _ManifestPushResultRequired(TypedDict):
    mediaType: str
    #: Content digest, e.g. sha256:<64 hex>
    digest: str
    size: int
    reference: str
    referenceAsTags: List[str]


class ManifestPushResult(_ManifestPushResultRequired, total=False):
    artifactType: str
    #: String-to-string annotations
    annotations: Dict[str, str]
    urls: List[str]
    #: base64 embedded content
    data: str
    platform: Platform


class ManifestDeleteParamsListingLimits(TypedDict, total=False):
    """Limits on the registry listings of this request"""
    #: Entries read over all listings of the request (default 1,000,000)
    maxEntries: int
    #: Body bytes read over all listings of the request (default 64 MiB)
    maxBytes: int
    #: Bytes of one page body (default 16 MiB)
    maxPageBytes: int
    #: Pages of one listing (default 10,000)
    maxPages: int


class ManifestDeleteResult(TypedDict):
    #: In deletion order (referrers first)
    deleted: List[ReferencedDescriptor]
    #: True when force was given and nothing existed
    notFound: bool


class _BlobFetchResultRequired(TypedDict):
    descriptor: ReferencedDescriptor


class BlobFetchResult(_BlobFetchResultRequired, total=False):
    path: str


class _BlobDeleteResultRequired(TypedDict):
    notFound: bool


class BlobDeleteResult(_BlobDeleteResultRequired, total=False):
    descriptor: Descriptor


class RepoTagsParamsListingLimits(TypedDict, total=False):
    """Limits on the registry listings of this request"""
    #: Entries read over all listings of the request (default 1,000,000)
    maxEntries: int
    #: Body bytes read over all listings of the request (default 64 MiB)
    maxBytes: int
    #: Bytes of one page body (default 16 MiB)
    maxPageBytes: int
    #: Pages of one listing (default 10,000)
    maxPages: int


class RepoTagsResult(TypedDict):
    tags: List[str]


class RepoListParamsListingLimits(TypedDict, total=False):
    """Limits on the registry listings of this request"""
    #: Entries read over all listings of the request (default 1,000,000)
    maxEntries: int
    #: Body bytes read over all listings of the request (default 64 MiB)
    maxBytes: int
    #: Bytes of one page body (default 16 MiB)
    maxPageBytes: int
    #: Pages of one listing (default 10,000)
    maxPages: int


class RepoListResult(TypedDict):
    repositories: List[str]


class LoginResult(TypedDict):
    registry: str
    #: "file:<path>" or "helper:<name>"
    store: str


class LogoutResult(TypedDict):
    registry: str
    store: str


class CliRunResult(TypedDict):
    exitCode: int


class CliOutputParams(TypedDict):
    token: Union[str, int]
    stream: Literal["stdout", "stderr"]
    #: Text to write as is (UTF-8)
    data: str


class CliPromptParams(TypedDict):
    token: Union[str, int]
    message: str
    #: Do not echo what is typed
    secret: bool


class CliPromptResult(TypedDict):
    value: str


class CliStdinParams(TypedDict):
    token: Union[str, int]
    maxBytes: int


class CliStdinResult(TypedDict):
    #: base64 of the bytes read
    data: str
    eof: bool


class _BlobProgressRequired(TypedDict):
    kind: Literal["blob"]
    digest: str
    mediaType: str
    state: Literal["started", "progress", "done", "exists", "mounted", "skipped", "failed"]
    done: int
    total: int


class BlobProgress(_BlobProgressRequired, total=False):
    title: str


class OperationProgress(TypedDict):
    kind: Literal["operation"]
    operation: str
    doneBytes: int
    totalBytes: int
    doneBlobs: int
    totalBlobs: int


class ProgressParamsValue2(TypedDict):
    kind: Literal["hashing"]
    operation: str
    path: str
    done: int
    total: int


class ProgressParams(TypedDict):
    token: Union[str, int]
    value: Union[BlobProgress, OperationProgress, ProgressParamsValue2]


class ProgressValue2(TypedDict):
    kind: Literal["hashing"]
    operation: str
    path: str
    done: int
    total: int


ResolveResult = ReferencedDescriptor
BlobPushResult = ReferencedDescriptor

#: A ``$/progress`` value.
ProgressValue = Union[BlobProgress, OperationProgress, ProgressValue2]
ProgressCallback = Callable[[ProgressValue], None]


# Methods ------------------------------------------------------------------

class ParamSpec(NamedTuple):
    wire: str
    python: str
    required: bool


class MethodSpec(NamedTuple):
    wire: str
    python: str
    kind: str
    direction: str
    summary: str
    oras: Optional[str]
    progress: bool
    read_only: bool
    params: Tuple[ParamSpec, ...]

    @property
    def required(self) -> FrozenSet[str]:
        return frozenset(p.wire for p in self.params if p.required)


METHODS: Dict[str, MethodSpec] = {
    "initialize": MethodSpec(
        "initialize", "initialize", "request", "client→server",
        "Exchange versions and capabilities",
        None, False, False,
        (
            ParamSpec("clientName", "client_name", False),
            ParamSpec("clientVersion", "client_version", False),
            ParamSpec("clientBuild", "client_build", False),
            ParamSpec("protocolVersion", "protocol_version", False),
            ParamSpec("env", "env", False),
        ),
    ),
    "shutdown": MethodSpec(
        "shutdown", "shutdown", "request", "client→server",
        "Stop accepting work; in-flight requests finish",
        None, False, False,
        (
        ),
    ),
    "exit": MethodSpec(
        "exit", "exit", "notification", "client→server",
        "Exit the daemon (after shutdown)",
        None, False, False,
        (
        ),
    ),
    "status": MethodSpec(
        "status", "status", "request", "client→server",
        "Uptime, clients, requests, HTTP and cache statistics",
        None, False, True,
        (
        ),
    ),
    "cache/list": MethodSpec(
        "cache/list", "cache_list", "request", "client→server",
        "What the daemon caches: manifests, tags, tokens (counts only), known blobs, by registry and repository",
        None, False, True,
        (
        ),
    ),
    "cache/clear": MethodSpec(
        "cache/clear", "cache_clear", "request", "client→server",
        "Empty the daemon's caches (all, or the ones named) without stopping it",
        None, False, False,
        (
            ParamSpec("manifests", "manifests", False),
            ParamSpec("tags", "tags", False),
            ParamSpec("tokens", "tokens", False),
            ParamSpec("blobs", "blobs", False),
        ),
    ),
    "push": MethodSpec(
        "push", "push", "request", "client→server",
        "Pack files and folders into an artifact and push it",
        "oras push", True, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("files", "files", True),
            ParamSpec("annotations", "annotations", False),
            ParamSpec("annotationFile", "annotation_file", False),
            ParamSpec("exportManifest", "export_manifest", False),
            ParamSpec("disablePathValidation", "disable_path_validation", False),
            ParamSpec("concurrency", "concurrency", False),
            ParamSpec("artifactType", "artifact_type", False),
            ParamSpec("config", "config", False),
            ParamSpec("imageSpec", "image_spec", False),
        ),
    ),
    "pull": MethodSpec(
        "pull", "pull", "request", "client→server",
        "Pull an artifact's files into a folder",
        "oras pull", True, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("output", "output", False),
            ParamSpec("keepOldFiles", "keep_old_files", False),
            ParamSpec("allowPathTraversal", "allow_path_traversal", False),
            ParamSpec("includeSubject", "include_subject", False),
            ParamSpec("mediaTypes", "media_types", False),
            ParamSpec("platform", "platform", False),
            ParamSpec("concurrency", "concurrency", False),
            ParamSpec("maxExtractEntries", "max_extract_entries", False),
            ParamSpec("maxExtractBytes", "max_extract_bytes", False),
        ),
    ),
    "attach": MethodSpec(
        "attach", "attach", "request", "client→server",
        "Push an artifact that refers to a subject",
        "oras attach", True, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("files", "files", True),
            ParamSpec("annotations", "annotations", False),
            ParamSpec("annotationFile", "annotation_file", False),
            ParamSpec("exportManifest", "export_manifest", False),
            ParamSpec("disablePathValidation", "disable_path_validation", False),
            ParamSpec("concurrency", "concurrency", False),
            ParamSpec("artifactType", "artifact_type", True),
            ParamSpec("platform", "platform", False),
        ),
    ),
    "discover": MethodSpec(
        "discover", "discover", "request", "client→server",
        "The referrers graph of a subject",
        "oras discover", False, True,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("artifactType", "artifact_type", False),
            ParamSpec("depth", "depth", False),
            ParamSpec("platform", "platform", False),
            ParamSpec("listingLimits", "listing_limits", False),
        ),
    ),
    "copy": MethodSpec(
        "copy", "copy", "request", "client→server",
        "Copy an artifact (and its referrers with recursive) to another repository or registry",
        "oras copy", True, False,
        (
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("source", "source", True),
            ParamSpec("destination", "destination", True),
            ParamSpec("recursive", "recursive", False),
            ParamSpec("concurrency", "concurrency", False),
            ParamSpec("platform", "platform", False),
            ParamSpec("fromOciLayout", "from_oci_layout", False),
            ParamSpec("fromPlainHttp", "from_plain_http", False),
            ParamSpec("fromInsecure", "from_insecure", False),
            ParamSpec("fromCaFile", "from_ca_file", False),
            ParamSpec("fromUsername", "from_username", False),
            ParamSpec("fromPassword", "from_password", False),
            ParamSpec("fromIdentityToken", "from_identity_token", False),
            ParamSpec("fromRegistryConfig", "from_registry_config", False),
            ParamSpec("fromDistributionSpec", "from_distribution_spec", False),
            ParamSpec("toOciLayout", "to_oci_layout", False),
            ParamSpec("toPlainHttp", "to_plain_http", False),
            ParamSpec("toInsecure", "to_insecure", False),
            ParamSpec("toCaFile", "to_ca_file", False),
            ParamSpec("toUsername", "to_username", False),
            ParamSpec("toPassword", "to_password", False),
            ParamSpec("toIdentityToken", "to_identity_token", False),
            ParamSpec("toRegistryConfig", "to_registry_config", False),
            ParamSpec("toDistributionSpec", "to_distribution_spec", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("listingLimits", "listing_limits", False),
        ),
    ),
    "tag": MethodSpec(
        "tag", "tag", "request", "client→server",
        "Add tags to a manifest",
        "oras tag", False, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("tags", "tags", True),
        ),
    ),
    "resolve": MethodSpec(
        "resolve", "resolve", "request", "client→server",
        "Resolve a reference to a descriptor",
        "oras resolve", False, True,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("platform", "platform", False),
        ),
    ),
    "manifest/fetch": MethodSpec(
        "manifest/fetch", "manifest_fetch", "request", "client→server",
        "Fetch a manifest or its descriptor",
        "oras manifest fetch", False, True,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("platform", "platform", False),
            ParamSpec("descriptor", "descriptor", False),
            ParamSpec("output", "output", False),
            ParamSpec("mediaTypes", "media_types", False),
        ),
    ),
    "manifest/fetchConfig": MethodSpec(
        "manifest/fetchConfig", "manifest_fetch_config", "request", "client→server",
        "Fetch the config blob of a manifest",
        "oras manifest fetch-config", False, True,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("platform", "platform", False),
            ParamSpec("descriptor", "descriptor", False),
            ParamSpec("output", "output", False),
        ),
    ),
    "manifest/push": MethodSpec(
        "manifest/push", "manifest_push", "request", "client→server",
        "Push a manifest from a file or text",
        "oras manifest push", False, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("file", "file", False),
            ParamSpec("content", "content", False),
            ParamSpec("mediaType", "media_type", False),
            ParamSpec("extraTags", "extra_tags", False),
        ),
    ),
    "manifest/delete": MethodSpec(
        "manifest/delete", "manifest_delete", "request", "client→server",
        "Delete a manifest, with cascade its whole referrers graph",
        "oras manifest delete", False, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("force", "force", False),
            ParamSpec("cascade", "cascade", False),
            ParamSpec("listingLimits", "listing_limits", False),
        ),
    ),
    "blob/fetch": MethodSpec(
        "blob/fetch", "blob_fetch", "request", "client→server",
        "Download a blob to a file (verified)",
        "oras blob fetch", True, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("output", "output", False),
            ParamSpec("descriptor", "descriptor", False),
        ),
    ),
    "blob/push": MethodSpec(
        "blob/push", "blob_push", "request", "client→server",
        "Upload a file as a blob",
        "oras blob push", True, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("file", "file", True),
            ParamSpec("mediaType", "media_type", False),
            ParamSpec("size", "size", False),
        ),
    ),
    "blob/delete": MethodSpec(
        "blob/delete", "blob_delete", "request", "client→server",
        "Delete a blob",
        "oras blob delete", False, False,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("force", "force", False),
        ),
    ),
    "repo/tags": MethodSpec(
        "repo/tags", "repo_tags", "request", "client→server",
        "List the tags of a repository",
        "oras repo tags", False, True,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("last", "last", False),
            ParamSpec("excludeDigestTags", "exclude_digest_tags", False),
            ParamSpec("listingLimits", "listing_limits", False),
        ),
    ),
    "repo/list": MethodSpec(
        "repo/list", "repo_list", "request", "client→server",
        "List the repositories of a registry",
        "oras repo ls", False, True,
        (
            ParamSpec("reference", "reference", True),
            ParamSpec("ociLayout", "oci_layout", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("distributionSpec", "distribution_spec", False),
            ParamSpec("noCache", "no_cache", False),
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("last", "last", False),
            ParamSpec("listingLimits", "listing_limits", False),
        ),
    ),
    "login": MethodSpec(
        "login", "login", "request", "client→server",
        "Check credentials against the registry and store them",
        "oras login", False, False,
        (
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("registry", "registry", True),
            ParamSpec("username", "username", False),
            ParamSpec("password", "password", False),
            ParamSpec("identityToken", "identity_token", False),
            ParamSpec("registryConfig", "registry_config", False),
            ParamSpec("plainHttp", "plain_http", False),
            ParamSpec("insecure", "insecure", False),
            ParamSpec("caFile", "ca_file", False),
        ),
    ),
    "logout": MethodSpec(
        "logout", "logout", "request", "client→server",
        "Forget stored credentials",
        "oras logout", False, False,
        (
            ParamSpec("cwd", "cwd", False),
            ParamSpec("progressToken", "progress_token", False),
            ParamSpec("registry", "registry", True),
            ParamSpec("registryConfig", "registry_config", False),
        ),
    ),
    "cli/run": MethodSpec(
        "cli/run", "cli_run", "request", "client→server",
        "Run an oras command line inside the daemon, streaming its output",
        None, False, False,
        (
            ParamSpec("token", "token", True),
            ParamSpec("argv", "argv", True),
            ParamSpec("cwd", "cwd", True),
            ParamSpec("env", "env", False),
            ParamSpec("stdinIsTTY", "stdin_is_tty", False),
            ParamSpec("stdoutIsTTY", "stdout_is_tty", False),
            ParamSpec("stderrIsTTY", "stderr_is_tty", False),
            ParamSpec("columns", "columns", False),
            ParamSpec("clientVersion", "client_version", False),
            ParamSpec("clientBuild", "client_build", False),
        ),
    ),
    "cli/output": MethodSpec(
        "cli/output", "cli_output", "notification", "server→client",
        "stdout/stderr text of a cli/run",
        None, False, False,
        (
            ParamSpec("token", "token", True),
            ParamSpec("stream", "stream", True),
            ParamSpec("data", "data", True),
        ),
    ),
    "cli/prompt": MethodSpec(
        "cli/prompt", "cli_prompt", "request", "server→client",
        "Ask the user on the launcher's terminal",
        None, False, False,
        (
            ParamSpec("token", "token", True),
            ParamSpec("message", "message", True),
            ParamSpec("secret", "secret", True),
        ),
    ),
    "cli/stdin": MethodSpec(
        "cli/stdin", "cli_stdin", "request", "server→client",
        "Read the next chunk of the launcher's stdin",
        None, False, False,
        (
            ParamSpec("token", "token", True),
            ParamSpec("maxBytes", "max_bytes", True),
        ),
    ),
    "$/progress": MethodSpec(
        "$/progress", "_progress", "notification", "server→client",
        "Progress of a request that carried progressToken",
        None, False, False,
        (
            ParamSpec("token", "token", True),
            ParamSpec("value", "value", True),
        ),
    ),
}

#: Python method name -> wire name, for the client's methods.
BY_PYTHON_NAME: Dict[str, str] = {spec.python: wire for wire, spec in METHODS.items()}


# Errors -------------------------------------------------------------------

class ErrorSpec(NamedTuple):
    key: str
    code: int
    name: str
    class_name: str


ERRORS: Tuple[ErrorSpec, ...] = (
    ErrorSpec("ParseError", -32700, "PARSE_ERROR", "ParseError"),
    ErrorSpec("InvalidRequest", -32600, "INVALID_REQUEST", "InvalidRequest"),
    ErrorSpec("MethodNotFound", -32601, "METHOD_NOT_FOUND", "MethodNotFound"),
    ErrorSpec("InvalidParams", -32602, "INVALID_PARAMS", "InvalidParams"),
    ErrorSpec("InternalError", -32603, "INTERNAL_ERROR", "InternalError"),
    ErrorSpec("RequestCancelled", -32800, "REQUEST_CANCELLED", "Cancelled"),
    ErrorSpec("BlobUnknown", 1001, "BLOB_UNKNOWN", "BlobUnknown"),
    ErrorSpec("BlobUploadInvalid", 1002, "BLOB_UPLOAD_INVALID", "BlobUploadInvalid"),
    ErrorSpec("BlobUploadUnknown", 1003, "BLOB_UPLOAD_UNKNOWN", "BlobUploadUnknown"),
    ErrorSpec("DigestInvalid", 1004, "DIGEST_INVALID", "DigestInvalid"),
    ErrorSpec("ManifestBlobUnknown", 1005, "MANIFEST_BLOB_UNKNOWN", "ManifestBlobUnknown"),
    ErrorSpec("ManifestInvalid", 1006, "MANIFEST_INVALID", "ManifestInvalid"),
    ErrorSpec("ManifestUnknown", 1007, "MANIFEST_UNKNOWN", "ManifestUnknown"),
    ErrorSpec("NameInvalid", 1008, "NAME_INVALID", "NameInvalid"),
    ErrorSpec("NameUnknown", 1009, "NAME_UNKNOWN", "NameUnknown"),
    ErrorSpec("SizeInvalid", 1010, "SIZE_INVALID", "SizeInvalid"),
    ErrorSpec("Unauthorized", 1011, "UNAUTHORIZED", "Unauthorized"),
    ErrorSpec("Denied", 1012, "DENIED", "Denied"),
    ErrorSpec("Unsupported", 1013, "UNSUPPORTED", "Unsupported"),
    ErrorSpec("TooManyRequests", 1014, "TOOMANYREQUESTS", "TooManyRequests"),
    ErrorSpec("RegistryUnreachable", 1020, "REGISTRY_UNREACHABLE", "RegistryUnreachable"),
    ErrorSpec("RegistryError", 1021, "REGISTRY_ERROR", "RegistryError"),
    ErrorSpec("InvalidReference", 1100, "INVALID_REFERENCE", "InvalidReference"),
    ErrorSpec("DigestMismatch", 1101, "DIGEST_MISMATCH", "DigestMismatch"),
    ErrorSpec("PathTraversal", 1102, "PATH_TRAVERSAL", "PathTraversal"),
    ErrorSpec("FileExists", 1103, "FILE_EXISTS", "FileExists"),
    ErrorSpec("NotLoggedIn", 1104, "NOT_LOGGED_IN", "NotLoggedIn"),
    ErrorSpec("FileNotFound", 1105, "FILE_NOT_FOUND", "FileNotFound"),
    ErrorSpec("ManifestTooLarge", 1106, "MANIFEST_TOO_LARGE", "ManifestTooLarge"),
    ErrorSpec("InvalidManifest", 1107, "INVALID_MANIFEST", "InvalidManifest"),
    ErrorSpec("InvalidReferrersIndex", 1108, "INVALID_REFERRERS_INDEX", "InvalidReferrersIndex"),
    ErrorSpec("InvalidArgument", 1109, "INVALID_ARGUMENT", "InvalidArgument"),
    ErrorSpec("CredentialHelperFailed", 1110, "CREDENTIAL_HELPER_FAILED", "CredentialHelperFailed"),
    ErrorSpec("Timeout", 1111, "TIMEOUT", "Timeout"),
    ErrorSpec("IncompleteGraph", 1112, "INCOMPLETE_GRAPH", "IncompleteGraph"),
    ErrorSpec("UnsafeArchive", 1113, "UNSAFE_ARCHIVE", "UnsafeArchive"),
    ErrorSpec("LimitExceeded", 1114, "LIMIT_EXCEEDED", "LimitExceeded"),
    ErrorSpec("DaemonOutdated", 1200, "DAEMON_OUTDATED", "DaemonOutdated"),
    ErrorSpec("ShuttingDown", 1201, "SHUTTING_DOWN", "ShuttingDown"),
    ErrorSpec("Interrupted", 1202, "INTERRUPTED", "Interrupted"),
)


class ParseError(OrasdError):
    """PARSE_ERROR (-32700)."""
    CODE = -32700
    CODE_NAME = "PARSE_ERROR"


class InvalidRequest(OrasdError):
    """INVALID_REQUEST (-32600)."""
    CODE = -32600
    CODE_NAME = "INVALID_REQUEST"


class MethodNotFound(OrasdError):
    """METHOD_NOT_FOUND (-32601)."""
    CODE = -32601
    CODE_NAME = "METHOD_NOT_FOUND"


class InvalidParams(OrasdError):
    """INVALID_PARAMS (-32602)."""
    CODE = -32602
    CODE_NAME = "INVALID_PARAMS"


class InternalError(OrasdError):
    """INTERNAL_ERROR (-32603)."""
    CODE = -32603
    CODE_NAME = "INTERNAL_ERROR"


class Cancelled(OrasdError):
    """REQUEST_CANCELLED (-32800)."""
    CODE = -32800
    CODE_NAME = "REQUEST_CANCELLED"


class BlobUnknown(NotFound):
    """BLOB_UNKNOWN (1001)."""
    CODE = 1001
    CODE_NAME = "BLOB_UNKNOWN"


class BlobUploadInvalid(OrasdError):
    """BLOB_UPLOAD_INVALID (1002)."""
    CODE = 1002
    CODE_NAME = "BLOB_UPLOAD_INVALID"


class BlobUploadUnknown(OrasdError):
    """BLOB_UPLOAD_UNKNOWN (1003)."""
    CODE = 1003
    CODE_NAME = "BLOB_UPLOAD_UNKNOWN"


class DigestInvalid(OrasdError):
    """DIGEST_INVALID (1004)."""
    CODE = 1004
    CODE_NAME = "DIGEST_INVALID"


class ManifestBlobUnknown(OrasdError):
    """MANIFEST_BLOB_UNKNOWN (1005)."""
    CODE = 1005
    CODE_NAME = "MANIFEST_BLOB_UNKNOWN"


class ManifestInvalid(OrasdError):
    """MANIFEST_INVALID (1006)."""
    CODE = 1006
    CODE_NAME = "MANIFEST_INVALID"


class ManifestUnknown(NotFound):
    """MANIFEST_UNKNOWN (1007)."""
    CODE = 1007
    CODE_NAME = "MANIFEST_UNKNOWN"


class NameInvalid(OrasdError):
    """NAME_INVALID (1008)."""
    CODE = 1008
    CODE_NAME = "NAME_INVALID"


class NameUnknown(NotFound):
    """NAME_UNKNOWN (1009)."""
    CODE = 1009
    CODE_NAME = "NAME_UNKNOWN"


class SizeInvalid(OrasdError):
    """SIZE_INVALID (1010)."""
    CODE = 1010
    CODE_NAME = "SIZE_INVALID"


class Unauthorized(OrasdError):
    """UNAUTHORIZED (1011)."""
    CODE = 1011
    CODE_NAME = "UNAUTHORIZED"


class Denied(OrasdError):
    """DENIED (1012)."""
    CODE = 1012
    CODE_NAME = "DENIED"


class Unsupported(OrasdError):
    """UNSUPPORTED (1013)."""
    CODE = 1013
    CODE_NAME = "UNSUPPORTED"


class TooManyRequests(OrasdError):
    """TOOMANYREQUESTS (1014)."""
    CODE = 1014
    CODE_NAME = "TOOMANYREQUESTS"


class RegistryUnreachable(OrasdError):
    """REGISTRY_UNREACHABLE (1020)."""
    CODE = 1020
    CODE_NAME = "REGISTRY_UNREACHABLE"


class RegistryError(OrasdError):
    """REGISTRY_ERROR (1021)."""
    CODE = 1021
    CODE_NAME = "REGISTRY_ERROR"


class InvalidReference(OrasdError):
    """INVALID_REFERENCE (1100)."""
    CODE = 1100
    CODE_NAME = "INVALID_REFERENCE"


class DigestMismatch(OrasdError):
    """DIGEST_MISMATCH (1101)."""
    CODE = 1101
    CODE_NAME = "DIGEST_MISMATCH"


class PathTraversal(OrasdError):
    """PATH_TRAVERSAL (1102)."""
    CODE = 1102
    CODE_NAME = "PATH_TRAVERSAL"


class FileExists(OrasdError):
    """FILE_EXISTS (1103)."""
    CODE = 1103
    CODE_NAME = "FILE_EXISTS"


class NotLoggedIn(OrasdError):
    """NOT_LOGGED_IN (1104)."""
    CODE = 1104
    CODE_NAME = "NOT_LOGGED_IN"


class FileNotFound(OrasdError):
    """FILE_NOT_FOUND (1105)."""
    CODE = 1105
    CODE_NAME = "FILE_NOT_FOUND"


class ManifestTooLarge(OrasdError):
    """MANIFEST_TOO_LARGE (1106)."""
    CODE = 1106
    CODE_NAME = "MANIFEST_TOO_LARGE"


class InvalidManifest(OrasdError):
    """INVALID_MANIFEST (1107)."""
    CODE = 1107
    CODE_NAME = "INVALID_MANIFEST"


class InvalidReferrersIndex(OrasdError):
    """INVALID_REFERRERS_INDEX (1108)."""
    CODE = 1108
    CODE_NAME = "INVALID_REFERRERS_INDEX"


class InvalidArgument(OrasdError):
    """INVALID_ARGUMENT (1109)."""
    CODE = 1109
    CODE_NAME = "INVALID_ARGUMENT"


class CredentialHelperFailed(OrasdError):
    """CREDENTIAL_HELPER_FAILED (1110)."""
    CODE = 1110
    CODE_NAME = "CREDENTIAL_HELPER_FAILED"


class Timeout(OrasdError):
    """TIMEOUT (1111)."""
    CODE = 1111
    CODE_NAME = "TIMEOUT"


class IncompleteGraph(OrasdError):
    """INCOMPLETE_GRAPH (1112)."""
    CODE = 1112
    CODE_NAME = "INCOMPLETE_GRAPH"


class UnsafeArchive(OrasdError):
    """UNSAFE_ARCHIVE (1113)."""
    CODE = 1113
    CODE_NAME = "UNSAFE_ARCHIVE"


class LimitExceeded(OrasdError):
    """LIMIT_EXCEEDED (1114)."""
    CODE = 1114
    CODE_NAME = "LIMIT_EXCEEDED"


class DaemonOutdated(OrasdError):
    """DAEMON_OUTDATED (1200)."""
    CODE = 1200
    CODE_NAME = "DAEMON_OUTDATED"


class ShuttingDown(OrasdError):
    """SHUTTING_DOWN (1201)."""
    CODE = 1201
    CODE_NAME = "SHUTTING_DOWN"


class Interrupted(OrasdError):
    """INTERRUPTED (1202)."""
    CODE = 1202
    CODE_NAME = "INTERRUPTED"

RequestCancelled = Cancelled

ERROR_CLASSES: Dict[int, Type[OrasdError]] = {
    -32700: ParseError,
    -32600: InvalidRequest,
    -32601: MethodNotFound,
    -32602: InvalidParams,
    -32603: InternalError,
    -32800: Cancelled,
    1001: BlobUnknown,
    1002: BlobUploadInvalid,
    1003: BlobUploadUnknown,
    1004: DigestInvalid,
    1005: ManifestBlobUnknown,
    1006: ManifestInvalid,
    1007: ManifestUnknown,
    1008: NameInvalid,
    1009: NameUnknown,
    1010: SizeInvalid,
    1011: Unauthorized,
    1012: Denied,
    1013: Unsupported,
    1014: TooManyRequests,
    1020: RegistryUnreachable,
    1021: RegistryError,
    1100: InvalidReference,
    1101: DigestMismatch,
    1102: PathTraversal,
    1103: FileExists,
    1104: NotLoggedIn,
    1105: FileNotFound,
    1106: ManifestTooLarge,
    1107: InvalidManifest,
    1108: InvalidReferrersIndex,
    1109: InvalidArgument,
    1110: CredentialHelperFailed,
    1111: Timeout,
    1112: IncompleteGraph,
    1113: UnsafeArchive,
    1114: LimitExceeded,
    1200: DaemonOutdated,
    1201: ShuttingDown,
    1202: Interrupted,
}

#: Every error class by name, including the schema's names where the class is renamed.
ERROR_CLASSES_BY_NAME: Dict[str, Type[OrasdError]] = {
    "ParseError": ParseError,
    "InvalidRequest": InvalidRequest,
    "MethodNotFound": MethodNotFound,
    "InvalidParams": InvalidParams,
    "InternalError": InternalError,
    "Cancelled": Cancelled,
    "RequestCancelled": Cancelled,
    "BlobUnknown": BlobUnknown,
    "BlobUploadInvalid": BlobUploadInvalid,
    "BlobUploadUnknown": BlobUploadUnknown,
    "DigestInvalid": DigestInvalid,
    "ManifestBlobUnknown": ManifestBlobUnknown,
    "ManifestInvalid": ManifestInvalid,
    "ManifestUnknown": ManifestUnknown,
    "NameInvalid": NameInvalid,
    "NameUnknown": NameUnknown,
    "SizeInvalid": SizeInvalid,
    "Unauthorized": Unauthorized,
    "Denied": Denied,
    "Unsupported": Unsupported,
    "TooManyRequests": TooManyRequests,
    "RegistryUnreachable": RegistryUnreachable,
    "RegistryError": RegistryError,
    "InvalidReference": InvalidReference,
    "DigestMismatch": DigestMismatch,
    "PathTraversal": PathTraversal,
    "FileExists": FileExists,
    "NotLoggedIn": NotLoggedIn,
    "FileNotFound": FileNotFound,
    "ManifestTooLarge": ManifestTooLarge,
    "InvalidManifest": InvalidManifest,
    "InvalidReferrersIndex": InvalidReferrersIndex,
    "InvalidArgument": InvalidArgument,
    "CredentialHelperFailed": CredentialHelperFailed,
    "Timeout": Timeout,
    "IncompleteGraph": IncompleteGraph,
    "UnsafeArchive": UnsafeArchive,
    "LimitExceeded": LimitExceeded,
    "DaemonOutdated": DaemonOutdated,
    "ShuttingDown": ShuttingDown,
    "Interrupted": Interrupted,
}


__all__ = [
    "AttachResult",
    "BlobDeleteResult",
    "BlobFetchResult",
    "BlobProgress",
    "CacheClearResult",
    "CacheListResult",
    "CacheListResultKnownBlobs",
    "CacheListResultKnownBlobsRepositories",
    "CacheListResultManifests",
    "CacheListResultManifestsRepositories",
    "CacheListResultTags",
    "CacheListResultTagsRepositories",
    "CacheListResultTokens",
    "CacheListResultTokensRegistries",
    "CliOutputParams",
    "CliPromptParams",
    "CliPromptResult",
    "CliRunResult",
    "CliStdinParams",
    "CliStdinResult",
    "CopyParamsListingLimits",
    "CopyResult",
    "CopyResultStats",
    "Descriptor",
    "DiscoverNode",
    "DiscoverParamsListingLimits",
    "DiscoverResult",
    "FileRef",
    "InitializeResult",
    "InitializeResultCapabilities",
    "LoginResult",
    "LogoutResult",
    "ManifestDeleteParamsListingLimits",
    "ManifestDeleteResult",
    "ManifestFetchConfigResult",
    "ManifestFetchResult",
    "ManifestPushResult",
    "OperationProgress",
    "Platform",
    "ProgressParams",
    "ProgressParamsValue2",
    "ProgressValue2",
    "PullResult",
    "PulledFile",
    "PushResult",
    "ReferencedDescriptor",
    "RepoListParamsListingLimits",
    "RepoListResult",
    "RepoTagsParamsListingLimits",
    "RepoTagsResult",
    "StatusResult",
    "StatusResultCaches",
    "StatusResultCachesKnownBlobs",
    "StatusResultCachesManifests",
    "StatusResultCachesTags",
    "StatusResultCachesTokens",
    "StatusResultClients",
    "StatusResultHttp",
    "StatusResultMemory",
    "StatusResultReferrers",
    "StatusResultRequests",
    "StatusResultSettings",
    "TagResult",
    "ResolveResult",
    "BlobPushResult",
    "ParseError",
    "InvalidRequest",
    "MethodNotFound",
    "InvalidParams",
    "InternalError",
    "Cancelled",
    "BlobUnknown",
    "BlobUploadInvalid",
    "BlobUploadUnknown",
    "DigestInvalid",
    "ManifestBlobUnknown",
    "ManifestInvalid",
    "ManifestUnknown",
    "NameInvalid",
    "NameUnknown",
    "SizeInvalid",
    "Unauthorized",
    "Denied",
    "Unsupported",
    "TooManyRequests",
    "RegistryUnreachable",
    "RegistryError",
    "InvalidReference",
    "DigestMismatch",
    "PathTraversal",
    "FileExists",
    "NotLoggedIn",
    "FileNotFound",
    "ManifestTooLarge",
    "InvalidManifest",
    "InvalidReferrersIndex",
    "InvalidArgument",
    "CredentialHelperFailed",
    "Timeout",
    "IncompleteGraph",
    "UnsafeArchive",
    "LimitExceeded",
    "DaemonOutdated",
    "ShuttingDown",
    "Interrupted",
    "RequestCancelled",
    "ERRORS",
    "ERROR_CLASSES",
    "ERROR_CLASSES_BY_NAME",
    "METHODS",
    "MethodSpec",
    "ParamSpec",
    "ErrorSpec",
    "PROTOCOL_VERSION",
    "ProgressCallback",
    "ProgressValue",
]


# The client's methods ----------------------------------------------------

class GeneratedMethods:
    """One method per client→server method of the protocol; Client supplies the plumbing."""

    def _request(self, method: str, params: Dict[str, Any], *, progress: Optional[ProgressCallback] = None,
                 timeout: Optional[float] = None, cancel_event: Optional[threading.Event] = None) -> Any:
        raise NotImplementedError

    def _notify(self, method: str, params: Dict[str, Any]) -> None:
        raise NotImplementedError

    def initialize(
        self,
        *,
        client_name: Optional[str] = None,
        client_version: Optional[str] = None,
        client_build: Optional[str] = None,
        protocol_version: Optional[str] = None,
        env: Optional[Dict[str, str]] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> InitializeResult:
        """Exchange versions and capabilities.

        Wire method ``initialize``.

        Args:
            client_name (``clientName``):
            client_version (``clientVersion``): Semver of the client; a client newer than the daemon is told DAEMON_OUTDATED
            client_build (``clientBuild``): Build id of the daemon this client would start; a daemon of the same version but another build is told DAEMON_OUTDATED and retires once its in-flight requests finish
            protocol_version (``protocolVersion``):
            env (``env``): The client's environment as protocol/caller-env.ts selects it (DOCKER_CONFIG, HOME, proxies, ORAS_*...). Every request on this connection finds its credentials, config files, helpers and proxies through it; a client that sends none gets what oras would do for this user with an empty environment (the account's home folder, no proxy).
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("InitializeResult", self._request(
            "initialize",
            {
                "clientName": client_name,
                "clientVersion": client_version,
                "clientBuild": client_build,
                "protocolVersion": protocol_version,
                "env": env,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def shutdown(
        self,
        *,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> None:
        """Stop accepting work; in-flight requests finish.

        Wire method ``shutdown``.

        Args:
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("None", self._request(
            "shutdown",
            {},
            timeout=timeout, cancel_event=cancel_event,
        ))

    def exit(self) -> None:
        """Exit the daemon (after shutdown) (notification ``exit``, no answer)."""
        self._notify("exit", {})

    def status(
        self,
        *,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> StatusResult:
        """Uptime, clients, requests, HTTP and cache statistics.

        Wire method ``status``.

        Args:
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("StatusResult", self._request(
            "status",
            {},
            timeout=timeout, cancel_event=cancel_event,
        ))

    def cache_list(
        self,
        *,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> CacheListResult:
        """What the daemon caches: manifests, tags, tokens (counts only), known blobs, by registry and repository.

        Wire method ``cache/list``.

        Args:
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("CacheListResult", self._request(
            "cache/list",
            {},
            timeout=timeout, cancel_event=cancel_event,
        ))

    def cache_clear(
        self,
        *,
        manifests: Optional[bool] = None,
        tags: Optional[bool] = None,
        tokens: Optional[bool] = None,
        blobs: Optional[bool] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> CacheClearResult:
        """Empty the daemon's caches (all, or the ones named) without stopping it.

        Wire method ``cache/clear``.

        Args:
            manifests (``manifests``):
            tags (``tags``):
            tokens (``tokens``):
            blobs (``blobs``): The known-blobs cache
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("CacheClearResult", self._request(
            "cache/clear",
            {
                "manifests": manifests,
                "tags": tags,
                "tokens": tokens,
                "blobs": blobs,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def push(
        self,
        *,
        reference: str,
        files: List[FileRef],
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        annotations: Optional[Dict[str, str]] = None,
        annotation_file: Optional[str] = None,
        export_manifest: Optional[str] = None,
        disable_path_validation: Optional[bool] = None,
        concurrency: Optional[int] = None,
        artifact_type: Optional[str] = None,
        config: Optional[FileRef] = None,
        image_spec: Optional[Literal["v1.1", "v1.0"]] = None,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> PushResult:
        """Pack files and folders into an artifact and push it.

        Mirrors ``oras push``. Wire method ``push``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            files (``files``, required): Files and folders to pack; a folder becomes one tar+gzip layer
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            annotations (``annotations``): Manifest annotations
            annotation_file (``annotationFile``): JSON file: {"$manifest": {...}, "$config": {...}, "<file title>": {...}}
            export_manifest (``exportManifest``): Also write the pushed manifest to this file
            disable_path_validation (``disablePathValidation``): Allow absolute file paths (their titles keep the path)
            concurrency (``concurrency``): Parallel blob transfers (default 5)
            artifact_type (``artifactType``): Default application/vnd.unknown.artifact.v1 (unless config is given)
            config (``config``):
            image_spec (``imageSpec``):
            progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),
                on the calling thread, before this method returns.
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("PushResult", self._request(
            "push",
            {
                "reference": reference,
                "files": files,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "annotations": annotations,
                "annotationFile": annotation_file,
                "exportManifest": export_manifest,
                "disablePathValidation": disable_path_validation,
                "concurrency": concurrency,
                "artifactType": artifact_type,
                "config": config,
                "imageSpec": image_spec,
            },
            progress=progress, timeout=timeout, cancel_event=cancel_event,
        ))

    def pull(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        output: Optional[str] = None,
        keep_old_files: Optional[bool] = None,
        allow_path_traversal: Optional[bool] = None,
        include_subject: Optional[bool] = None,
        media_types: Optional[List[str]] = None,
        platform: Optional[str] = None,
        concurrency: Optional[int] = None,
        max_extract_entries: Optional[int] = None,
        max_extract_bytes: Optional[int] = None,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> PullResult:
        """Pull an artifact's files into a folder.

        Mirrors ``oras pull``. Wire method ``pull``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            output (``output``): Output folder (default: cwd)
            keep_old_files (``keepOldFiles``):
            allow_path_traversal (``allowPathTraversal``):
            include_subject (``includeSubject``): Also pull the subject, recursively
            media_types (``mediaTypes``): Only layers of these media types (2021 --media-type)
            platform (``platform``): os/arch[/variant][:os_version], picks a manifest inside an index
            concurrency (``concurrency``): Parallel blob transfers (default 5)
            max_extract_entries (``maxExtractEntries``): Most files, folders and links one folder layer may unpack to (default: the daemon's --max-extract-entries, else 1,000,000); beyond it LIMIT_EXCEEDED
            max_extract_bytes (``maxExtractBytes``): Most bytes of file content one folder layer may unpack to (default: the daemon's --max-extract-bytes, else 16 GiB); beyond it LIMIT_EXCEEDED
            progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),
                on the calling thread, before this method returns.
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("PullResult", self._request(
            "pull",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "output": output,
                "keepOldFiles": keep_old_files,
                "allowPathTraversal": allow_path_traversal,
                "includeSubject": include_subject,
                "mediaTypes": media_types,
                "platform": platform,
                "concurrency": concurrency,
                "maxExtractEntries": max_extract_entries,
                "maxExtractBytes": max_extract_bytes,
            },
            progress=progress, timeout=timeout, cancel_event=cancel_event,
        ))

    def attach(
        self,
        *,
        reference: str,
        files: List[FileRef],
        artifact_type: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        annotations: Optional[Dict[str, str]] = None,
        annotation_file: Optional[str] = None,
        export_manifest: Optional[str] = None,
        disable_path_validation: Optional[bool] = None,
        concurrency: Optional[int] = None,
        platform: Optional[str] = None,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> AttachResult:
        """Push an artifact that refers to a subject.

        Mirrors ``oras attach``. Wire method ``attach``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            files (``files``, required): Files and folders to pack; a folder becomes one tar+gzip layer
            artifact_type (``artifactType``, required):
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            annotations (``annotations``): Manifest annotations
            annotation_file (``annotationFile``): JSON file: {"$manifest": {...}, "$config": {...}, "<file title>": {...}}
            export_manifest (``exportManifest``): Also write the pushed manifest to this file
            disable_path_validation (``disablePathValidation``): Allow absolute file paths (their titles keep the path)
            concurrency (``concurrency``): Parallel blob transfers (default 5)
            platform (``platform``): os/arch[/variant][:os_version], picks a manifest inside an index
            progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),
                on the calling thread, before this method returns.
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("AttachResult", self._request(
            "attach",
            {
                "reference": reference,
                "files": files,
                "artifactType": artifact_type,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "annotations": annotations,
                "annotationFile": annotation_file,
                "exportManifest": export_manifest,
                "disablePathValidation": disable_path_validation,
                "concurrency": concurrency,
                "platform": platform,
            },
            progress=progress, timeout=timeout, cancel_event=cancel_event,
        ))

    def discover(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        artifact_type: Optional[str] = None,
        depth: Optional[int] = None,
        platform: Optional[str] = None,
        listing_limits: Optional[DiscoverParamsListingLimits] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> DiscoverResult:
        """The referrers graph of a subject.

        Mirrors ``oras discover``. Wire method ``discover``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            artifact_type (``artifactType``): Only referrers of this artifact type (at every level)
            depth (``depth``): Levels to follow (default: all)
            platform (``platform``): os/arch[/variant][:os_version], picks a manifest inside an index
            listing_limits (``listingLimits``): Limits on the registry listings of this request
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("DiscoverResult", self._request(
            "discover",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "artifactType": artifact_type,
                "depth": depth,
                "platform": platform,
                "listingLimits": listing_limits,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def copy(
        self,
        *,
        source: str,
        destination: str,
        cwd: Optional[str] = None,
        recursive: Optional[bool] = None,
        concurrency: Optional[int] = None,
        platform: Optional[str] = None,
        from_oci_layout: Optional[bool] = None,
        from_plain_http: Optional[bool] = None,
        from_insecure: Optional[bool] = None,
        from_ca_file: Optional[str] = None,
        from_username: Optional[str] = None,
        from_password: Optional[str] = None,
        from_identity_token: Optional[str] = None,
        from_registry_config: Optional[str] = None,
        from_distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        to_oci_layout: Optional[bool] = None,
        to_plain_http: Optional[bool] = None,
        to_insecure: Optional[bool] = None,
        to_ca_file: Optional[str] = None,
        to_username: Optional[str] = None,
        to_password: Optional[str] = None,
        to_identity_token: Optional[str] = None,
        to_registry_config: Optional[str] = None,
        to_distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        no_cache: Optional[bool] = None,
        listing_limits: Optional[CopyParamsListingLimits] = None,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> CopyResult:
        """Copy an artifact (and its referrers with recursive) to another repository or registry.

        Mirrors ``oras copy``. Wire method ``copy``.

        Args:
            source (``source``, required):
            destination (``destination``, required): Reference; tags after ":" separated by ","; repository alone keeps the source tag
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            recursive (``recursive``): Also copy referrers, at every level
            concurrency (``concurrency``): Parallel blob transfers (default 5)
            platform (``platform``): os/arch[/variant][:os_version], picks a manifest inside an index
            from_oci_layout (``fromOciLayout``):
            from_plain_http (``fromPlainHttp``):
            from_insecure (``fromInsecure``):
            from_ca_file (``fromCaFile``):
            from_username (``fromUsername``):
            from_password (``fromPassword``):
            from_identity_token (``fromIdentityToken``):
            from_registry_config (``fromRegistryConfig``):
            from_distribution_spec (``fromDistributionSpec``):
            to_oci_layout (``toOciLayout``):
            to_plain_http (``toPlainHttp``):
            to_insecure (``toInsecure``):
            to_ca_file (``toCaFile``):
            to_username (``toUsername``):
            to_password (``toPassword``):
            to_identity_token (``toIdentityToken``):
            to_registry_config (``toRegistryConfig``):
            to_distribution_spec (``toDistributionSpec``):
            plain_http (``plainHttp``): Both sides
            insecure (``insecure``): Both sides
            no_cache (``noCache``):
            listing_limits (``listingLimits``): Limits on the registry listings of this request
            progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),
                on the calling thread, before this method returns.
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("CopyResult", self._request(
            "copy",
            {
                "source": source,
                "destination": destination,
                "cwd": cwd,
                "recursive": recursive,
                "concurrency": concurrency,
                "platform": platform,
                "fromOciLayout": from_oci_layout,
                "fromPlainHttp": from_plain_http,
                "fromInsecure": from_insecure,
                "fromCaFile": from_ca_file,
                "fromUsername": from_username,
                "fromPassword": from_password,
                "fromIdentityToken": from_identity_token,
                "fromRegistryConfig": from_registry_config,
                "fromDistributionSpec": from_distribution_spec,
                "toOciLayout": to_oci_layout,
                "toPlainHttp": to_plain_http,
                "toInsecure": to_insecure,
                "toCaFile": to_ca_file,
                "toUsername": to_username,
                "toPassword": to_password,
                "toIdentityToken": to_identity_token,
                "toRegistryConfig": to_registry_config,
                "toDistributionSpec": to_distribution_spec,
                "plainHttp": plain_http,
                "insecure": insecure,
                "noCache": no_cache,
                "listingLimits": listing_limits,
            },
            progress=progress, timeout=timeout, cancel_event=cancel_event,
        ))

    def tag(
        self,
        *,
        reference: str,
        tags: List[str],
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> TagResult:
        """Add tags to a manifest.

        Mirrors ``oras tag``. Wire method ``tag``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            tags (``tags``, required):
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("TagResult", self._request(
            "tag",
            {
                "reference": reference,
                "tags": tags,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def resolve(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        platform: Optional[str] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> ResolveResult:
        """Resolve a reference to a descriptor.

        Mirrors ``oras resolve``. Wire method ``resolve``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            platform (``platform``): os/arch[/variant], picks a manifest inside an index
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("ResolveResult", self._request(
            "resolve",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "platform": platform,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def manifest_fetch(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        platform: Optional[str] = None,
        descriptor: Optional[bool] = None,
        output: Optional[str] = None,
        media_types: Optional[List[str]] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> ManifestFetchResult:
        """Fetch a manifest or its descriptor.

        Mirrors ``oras manifest fetch``. Wire method ``manifest/fetch``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            platform (``platform``): os/arch[/variant], picks a manifest inside an index
            descriptor (``descriptor``): Only the descriptor (HEAD), not the content
            output (``output``): Also write the raw manifest bytes to this file
            media_types (``mediaTypes``): Accept only these manifest media types
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("ManifestFetchResult", self._request(
            "manifest/fetch",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "platform": platform,
                "descriptor": descriptor,
                "output": output,
                "mediaTypes": media_types,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def manifest_fetch_config(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        platform: Optional[str] = None,
        descriptor: Optional[bool] = None,
        output: Optional[str] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> ManifestFetchConfigResult:
        """Fetch the config blob of a manifest.

        Mirrors ``oras manifest fetch-config``. Wire method ``manifest/fetchConfig``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            platform (``platform``): os/arch[/variant], picks a manifest inside an index
            descriptor (``descriptor``):
            output (``output``): Write the config to this file instead of returning it
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("ManifestFetchConfigResult", self._request(
            "manifest/fetchConfig",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "platform": platform,
                "descriptor": descriptor,
                "output": output,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def manifest_push(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        file: Optional[str] = None,
        content: Optional[str] = None,
        media_type: Optional[str] = None,
        extra_tags: Optional[List[str]] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> ManifestPushResult:
        """Push a manifest from a file or text.

        Mirrors ``oras manifest push``. Wire method ``manifest/push``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            file (``file``): Manifest file to push
            content (``content``): Manifest text to push (instead of file)
            media_type (``mediaType``): Default: the mediaType field of the manifest
            extra_tags (``extraTags``):
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("ManifestPushResult", self._request(
            "manifest/push",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "file": file,
                "content": content,
                "mediaType": media_type,
                "extraTags": extra_tags,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def manifest_delete(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        force: Optional[bool] = None,
        cascade: Optional[bool] = None,
        listing_limits: Optional[ManifestDeleteParamsListingLimits] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> ManifestDeleteResult:
        """Delete a manifest, with cascade its whole referrers graph.

        Mirrors ``oras manifest delete``. Wire method ``manifest/delete``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            force (``force``): No error when the manifest does not exist
            cascade (``cascade``): Delete every referrer, recursively, bottom-up, then the manifest
            listing_limits (``listingLimits``): Limits on the registry listings of this request
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("ManifestDeleteResult", self._request(
            "manifest/delete",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "force": force,
                "cascade": cascade,
                "listingLimits": listing_limits,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def blob_fetch(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        output: Optional[str] = None,
        descriptor: Optional[bool] = None,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> BlobFetchResult:
        """Download a blob to a file (verified).

        Mirrors ``oras blob fetch``. Wire method ``blob/fetch``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            output (``output``): File to write (required unless descriptor)
            descriptor (``descriptor``):
            progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),
                on the calling thread, before this method returns.
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("BlobFetchResult", self._request(
            "blob/fetch",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "output": output,
                "descriptor": descriptor,
            },
            progress=progress, timeout=timeout, cancel_event=cancel_event,
        ))

    def blob_push(
        self,
        *,
        reference: str,
        file: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        media_type: Optional[str] = None,
        size: Optional[int] = None,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> BlobPushResult:
        """Upload a file as a blob.

        Mirrors ``oras blob push``. Wire method ``blob/push``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            file (``file``, required): File to upload
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            media_type (``mediaType``):
            size (``size``): Expected size (checked)
            progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),
                on the calling thread, before this method returns.
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("BlobPushResult", self._request(
            "blob/push",
            {
                "reference": reference,
                "file": file,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "mediaType": media_type,
                "size": size,
            },
            progress=progress, timeout=timeout, cancel_event=cancel_event,
        ))

    def blob_delete(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        force: Optional[bool] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> BlobDeleteResult:
        """Delete a blob.

        Mirrors ``oras blob delete``. Wire method ``blob/delete``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            force (``force``):
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("BlobDeleteResult", self._request(
            "blob/delete",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "force": force,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def repo_tags(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        last: Optional[str] = None,
        exclude_digest_tags: Optional[bool] = None,
        listing_limits: Optional[RepoTagsParamsListingLimits] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> RepoTagsResult:
        """List the tags of a repository.

        Mirrors ``oras repo tags``. Wire method ``repo/tags``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            last (``last``): Start after this tag
            exclude_digest_tags (``excludeDigestTags``): Hide sha256-<hex> referrers fallback tags
            listing_limits (``listingLimits``): Limits on the registry listings of this request
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("RepoTagsResult", self._request(
            "repo/tags",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "last": last,
                "excludeDigestTags": exclude_digest_tags,
                "listingLimits": listing_limits,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def repo_list(
        self,
        *,
        reference: str,
        oci_layout: Optional[bool] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        distribution_spec: Optional[Literal["v1.1-referrers-api", "v1.1-referrers-tag"]] = None,
        no_cache: Optional[bool] = None,
        cwd: Optional[str] = None,
        last: Optional[str] = None,
        listing_limits: Optional[RepoListParamsListingLimits] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> RepoListResult:
        """List the repositories of a registry.

        Mirrors ``oras repo ls``. Wire method ``repo/list``.

        Args:
            reference (``reference``, required): host[:port]/repo[:tag[,tag...]] or host[:port]/repo@sha256:...; with ociLayout: path[:tag|@digest]
            oci_layout (``ociLayout``): The reference names an OCI image layout folder
            plain_http (``plainHttp``): Use plain HTTP (true) or HTTPS (false); default: plain HTTP for loopback hosts and the registries the daemon's config file lists (plainHttp), else HTTPS
            insecure (``insecure``): Skip TLS verification
            ca_file (``caFile``): PEM file of extra trusted CAs
            username (``username``):
            password (``password``):
            identity_token (``identityToken``): OAuth2 refresh token
            registry_config (``registryConfig``): Path of a docker config.json holding credentials
            distribution_spec (``distributionSpec``):
            no_cache (``noCache``): Bypass the tag and referrers caches for this request
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            last (``last``):
            listing_limits (``listingLimits``): Limits on the registry listings of this request
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("RepoListResult", self._request(
            "repo/list",
            {
                "reference": reference,
                "ociLayout": oci_layout,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "distributionSpec": distribution_spec,
                "noCache": no_cache,
                "cwd": cwd,
                "last": last,
                "listingLimits": listing_limits,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def login(
        self,
        *,
        registry: str,
        cwd: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        identity_token: Optional[str] = None,
        registry_config: Optional[str] = None,
        plain_http: Optional[bool] = None,
        insecure: Optional[bool] = None,
        ca_file: Optional[str] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> LoginResult:
        """Check credentials against the registry and store them.

        Mirrors ``oras login``. Wire method ``login``.

        Args:
            registry (``registry``, required): Registry host[:port]
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            username (``username``):
            password (``password``):
            identity_token (``identityToken``):
            registry_config (``registryConfig``):
            plain_http (``plainHttp``):
            insecure (``insecure``):
            ca_file (``caFile``):
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("LoginResult", self._request(
            "login",
            {
                "registry": registry,
                "cwd": cwd,
                "username": username,
                "password": password,
                "identityToken": identity_token,
                "registryConfig": registry_config,
                "plainHttp": plain_http,
                "insecure": insecure,
                "caFile": ca_file,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def logout(
        self,
        *,
        registry: str,
        cwd: Optional[str] = None,
        registry_config: Optional[str] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> LogoutResult:
        """Forget stored credentials.

        Mirrors ``oras logout``. Wire method ``logout``.

        Args:
            registry (``registry``, required):
            cwd (``cwd``): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            registry_config (``registryConfig``):
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("LogoutResult", self._request(
            "logout",
            {
                "registry": registry,
                "cwd": cwd,
                "registryConfig": registry_config,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))

    def cli_run(
        self,
        *,
        token: Union[str, int],
        argv: List[str],
        cwd: str,
        env: Optional[Dict[str, str]] = None,
        stdin_is_tty: Optional[bool] = None,
        stdout_is_tty: Optional[bool] = None,
        stderr_is_tty: Optional[bool] = None,
        columns: Optional[int] = None,
        client_version: Optional[str] = None,
        client_build: Optional[str] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> CliRunResult:
        """Run an oras command line inside the daemon, streaming its output.

        Wire method ``cli/run``.

        Args:
            token (``token``, required):
            argv (``argv``, required): Arguments after the program name, e.g. ["push", "localhost:5000/a:v1", "f.txt"]
            cwd (``cwd``, required): Directory relative paths resolve against (default: this process's current directory, since the shared daemon's own is arbitrary)
            env (``env``): Relevant environment: DOCKER_CONFIG, HOME, NO_COLOR, TERM, ...
            stdin_is_tty (``stdinIsTTY``):
            stdout_is_tty (``stdoutIsTTY``):
            stderr_is_tty (``stderrIsTTY``):
            columns (``columns``):
            client_version (``clientVersion``): Version of the launcher; a newer one is answered DAEMON_OUTDATED
            client_build (``clientBuild``): Build id of the launcher's package; of the same version but another build, the daemon answers DAEMON_OUTDATED
            timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.
            cancel_event: setting it cancels the request in the daemon; Cancelled is raised.
        """
        return cast("CliRunResult", self._request(
            "cli/run",
            {
                "token": token,
                "argv": argv,
                "cwd": cwd,
                "env": env,
                "stdinIsTTY": stdin_is_tty,
                "stdoutIsTTY": stdout_is_tty,
                "stderrIsTTY": stderr_is_tty,
                "columns": columns,
                "clientVersion": client_version,
                "clientBuild": client_build,
            },
            timeout=timeout, cancel_event=cancel_event,
        ))
