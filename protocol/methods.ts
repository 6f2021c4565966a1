import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { Static, TSchema } from '@sinclair/typebox';
import * as A from './artifacts';
import * as C from './content';
import * as S from './session';
import * as L from './cli';
import * as P from './progress';
import * as K from './cache';
import type { ErrorData } from './errors';

export type Direction = 'client→server' | 'server→client';

export interface MethodSpec<Params extends TSchema = TSchema, Result extends TSchema = TSchema> {
  method: string;
  kind: 'request' | 'notification';
  direction: Direction;
  summary: string;
  params: Params;
  result?: Result;
  /** oras command this method mirrors, for documentation and the CLI. */
  oras?: string;
  /** True when the method reports $/progress and is worth cancelling. */
  progress?: boolean;
  /**
   * True when the method changes nothing (no registry write, no file, no daemon state), so a
   * client that lost its daemon mid-request may send it again to a new one. Any other request
   * lost that way may have taken effect: clients report it as INTERRUPTED instead of repeating it.
   */
  readOnly?: boolean;
}

type SpecInput<M extends string, Pa extends TSchema> = Omit<MethodSpec<Pa>, 'kind' | 'direction' | 'result' | 'method'> & { method: M; direction?: Direction };

function request<M extends string, Pa extends TSchema, R extends TSchema>(spec: SpecInput<M, Pa> & { result: R }) {
  const full = { kind: 'request' as const, direction: 'client→server' as Direction, ...spec };
  return Object.assign(full, { type: new RequestType<Static<Pa>, Static<R>, ErrorData>(spec.method) });
}
function notification<M extends string, Pa extends TSchema>(spec: SpecInput<M, Pa>) {
  const full = { kind: 'notification' as const, direction: 'client→server' as Direction, ...spec };
  return Object.assign(full, { type: new NotificationType<Static<Pa>>(spec.method) });
}

export const Methods = {
  initialize: request({ method: 'initialize', summary: 'Exchange versions and capabilities', params: S.InitializeParams, result: S.InitializeResult }),
  shutdown: request({ method: 'shutdown', summary: 'Stop accepting work; in-flight requests finish', params: S.ShutdownParams, result: S.ShutdownResult }),
  exit: notification({ method: 'exit', summary: 'Exit the daemon (after shutdown)', params: S.ShutdownParams }),
  status: request({ readOnly: true, method: 'status', summary: 'Uptime, clients, requests, HTTP and cache statistics', params: S.StatusParams, result: S.StatusResult }),
  cacheList: request({ readOnly: true, method: 'cache/list', summary: 'What the daemon caches: manifests, tags, tokens (counts only), known blobs, by registry and repository', params: K.CacheListParams, result: K.CacheListResult }),
  cacheClear: request({ method: 'cache/clear', summary: 'Empty the daemon\'s caches (all, or the ones named) without stopping it', params: K.CacheClearParams, result: K.CacheClearResult }),

  push: request({ method: 'push', oras: 'oras push', progress: true, summary: 'Pack files and folders into an artifact and push it', params: A.PushParams, result: A.PushResult }),
  pull: request({ method: 'pull', oras: 'oras pull', progress: true, summary: 'Pull an artifact\'s files into a folder', params: A.PullParams, result: A.PullResult }),
  attach: request({ method: 'attach', oras: 'oras attach', progress: true, summary: 'Push an artifact that refers to a subject', params: A.AttachParams, result: A.AttachResult }),
  discover: request({ readOnly: true, method: 'discover', oras: 'oras discover', summary: 'The referrers graph of a subject', params: A.DiscoverParams, result: A.DiscoverResult }),
  copy: request({ method: 'copy', oras: 'oras copy', progress: true, summary: 'Copy an artifact (and its referrers with recursive) to another repository or registry', params: A.CopyParams, result: A.CopyResult }),
  tag: request({ method: 'tag', oras: 'oras tag', summary: 'Add tags to a manifest', params: C.TagParams, result: C.TagResult }),
  resolve: request({ readOnly: true, method: 'resolve', oras: 'oras resolve', summary: 'Resolve a reference to a descriptor', params: C.ResolveParams, result: C.ResolveResult }),

  manifestFetch: request({ readOnly: true, method: 'manifest/fetch', oras: 'oras manifest fetch', summary: 'Fetch a manifest or its descriptor', params: C.ManifestFetchParams, result: C.ManifestFetchResult }),
  manifestFetchConfig: request({ readOnly: true, method: 'manifest/fetchConfig', oras: 'oras manifest fetch-config', summary: 'Fetch the config blob of a manifest', params: C.ManifestFetchConfigParams, result: C.ManifestFetchConfigResult }),
  manifestPush: request({ method: 'manifest/push', oras: 'oras manifest push', summary: 'Push a manifest from a file or text', params: C.ManifestPushParams, result: C.ManifestPushResult }),
  manifestDelete: request({ method: 'manifest/delete', oras: 'oras manifest delete', summary: 'Delete a manifest, with cascade its whole referrers graph', params: C.ManifestDeleteParams, result: C.ManifestDeleteResult }),

  blobFetch: request({ method: 'blob/fetch', oras: 'oras blob fetch', progress: true, summary: 'Download a blob to a file (verified)', params: C.BlobFetchParams, result: C.BlobFetchResult }),
  blobPush: request({ method: 'blob/push', oras: 'oras blob push', progress: true, summary: 'Upload a file as a blob', params: C.BlobPushParams, result: C.BlobPushResult }),
  blobDelete: request({ method: 'blob/delete', oras: 'oras blob delete', summary: 'Delete a blob', params: C.BlobDeleteParams, result: C.BlobDeleteResult }),

  repoTags: request({ readOnly: true, method: 'repo/tags', oras: 'oras repo tags', summary: 'List the tags of a repository', params: C.RepoTagsParams, result: C.RepoTagsResult }),
  repoList: request({ readOnly: true, method: 'repo/list', oras: 'oras repo ls', summary: 'List the repositories of a registry', params: C.RepoListParams, result: C.RepoListResult }),

  login: request({ method: 'login', oras: 'oras login', summary: 'Check credentials against the registry and store them', params: S.LoginParams, result: S.LoginResult }),
  logout: request({ method: 'logout', oras: 'oras logout', summary: 'Forget stored credentials', params: S.LogoutParams, result: S.LogoutResult }),

  cliRun: request({ method: 'cli/run', summary: 'Run an oras command line inside the daemon, streaming its output', params: L.CliRunParams, result: L.CliRunResult }),
  cliOutput: notification({ method: 'cli/output', direction: 'server→client', summary: 'stdout/stderr text of a cli/run', params: L.CliOutputParams }),
  cliPrompt: request({ method: 'cli/prompt', direction: 'server→client', summary: 'Ask the user on the launcher\'s terminal', params: L.CliPromptParams, result: L.CliPromptResult }),
  cliStdin: request({ method: 'cli/stdin', direction: 'server→client', summary: 'Read the next chunk of the launcher\'s stdin', params: L.CliStdinParams, result: L.CliStdinResult }),

  progress: notification({ method: '$/progress', direction: 'server→client', summary: 'Progress of a request that carried progressToken', params: P.ProgressParams }),
} as const;

export type MethodKey = keyof typeof Methods;
export type ParamsOf<K extends MethodKey> = Static<(typeof Methods)[K]['params']>;
export type ResultOf<K extends MethodKey> = (typeof Methods)[K] extends { result: infer R extends TSchema } ? Static<R> : void;

/** Wire names ("manifest/fetch") and the types they carry. */
export type MethodName = (typeof Methods)[MethodKey]['method'];
export type KeyOfMethod<N extends MethodName> = { [K in MethodKey]: (typeof Methods)[K]['method'] extends N ? K : never }[MethodKey];
export type ParamsOfMethod<N extends MethodName> = ParamsOf<KeyOfMethod<N>>;
export type ResultOfMethod<N extends MethodName> = ResultOf<KeyOfMethod<N>>;

/** Every method by its wire name. */
export const MethodsByName: ReadonlyMap<string, MethodSpec> = new Map(Object.values(Methods).map((m) => [m.method, m as MethodSpec]));

/** Version of the wire contract; bumped on any incompatible change. */
export const PROTOCOL_VERSION = '1.0';
