import type { Handler } from './types';
import { handleAttach, handleCopy, handleDiscover, handlePull, handlePush } from './artifacts';
import * as C from './content';
import { handleLogin, handleLogout } from './auth';
import { handleCacheClear, handleCacheList } from './cache';

/** The engine's methods by wire name; lifecycle methods (initialize, status, cli/run...) live in the server. */
export const handlers: Record<string, Handler> = {
  push: handlePush,
  pull: handlePull,
  attach: handleAttach,
  discover: handleDiscover,
  copy: handleCopy,
  tag: C.handleTag,
  resolve: C.handleResolve,
  'manifest/fetch': C.handleManifestFetch,
  'manifest/fetchConfig': C.handleManifestFetchConfig,
  'manifest/push': C.handleManifestPush,
  'manifest/delete': C.handleManifestDelete,
  'blob/fetch': C.handleBlobFetch,
  'blob/push': C.handleBlobPush,
  'blob/delete': C.handleBlobDelete,
  'repo/tags': C.handleRepoTags,
  'repo/list': C.handleRepoList,
  login: handleLogin,
  logout: handleLogout,
  'cache/list': handleCacheList,
  'cache/clear': handleCacheClear,
};

export type { Handler };
