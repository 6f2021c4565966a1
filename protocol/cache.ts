import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common';

const Counter = Type.Integer({ minimum: 0 });

export const CacheListParams = Obj({});
export type CacheListParams = Static<typeof CacheListParams>;

const Repo = { registry: Type.String(), repository: Type.String(), entries: Counter };

export const CacheListResult = Obj({
  manifests: Obj({
    entries: Counter,
    bytes: Counter,
    repositories: Type.Array(Obj({ ...Repo, bytes: Counter }), { description: 'Verified manifests by repository (every caller identity together)' }),
  }),
  tags: Obj({
    entries: Counter,
    repositories: Type.Array(Obj({ ...Repo, tags: Type.Array(Type.String()) }), { description: 'Tag → digest answers by repository; fresh for a few seconds, then revalidated' }),
  }),
  tokens: Obj({
    entries: Counter,
    registries: Type.Array(Obj({ registry: Type.String(), entries: Counter }), { description: 'Bearer tokens counted per registry; the tokens themselves are never shown' }),
  }),
  knownBlobs: Obj({
    entries: Counter,
    repositories: Type.Array(Obj(Repo), { description: 'Blobs seen in a repository (their existence checks are skipped for a while)' }),
  }),
});
export type CacheListResult = Static<typeof CacheListResult>;

export const CacheClearParams = Obj(
  {
    manifests: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Type.Boolean()),
    tokens: Type.Optional(Type.Boolean()),
    blobs: Type.Optional(Type.Boolean({ description: 'The known-blobs cache' })),
  },
  'The caches to empty; none named: all of them',
);
export type CacheClearParams = Static<typeof CacheClearParams>;

export const CacheClearResult = Obj(
  { manifests: Counter, tags: Counter, tokens: Counter, knownBlobs: Counter },
  'Entries dropped from each cache',
);
export type CacheClearResult = Static<typeof CacheClearResult>;
