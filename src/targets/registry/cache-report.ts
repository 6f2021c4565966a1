import type { CacheClearParams, CacheClearResult, CacheListResult } from '../../../protocol/cache';
import { groupOf } from '../../cache/key-groups';
import type { Shared } from './state';

/**
 * Splits a cache key (`<registry>/<repository>@<digest>#<who>` or `...:<tag>#<who>`) into what
 * may be shown: the caller identity after `#` names credentials and stays inside.
 */
function place(key: string, sep: '@' | ':'): { registry: string; repository: string; rest: string } {
  const g = groupOf(key);
  const slash = g.indexOf('/');
  const end = g.lastIndexOf(sep);
  return { registry: g.slice(0, slash), repository: g.slice(slash + 1, end), rest: g.slice(end + 1) };
}

function byRepository<E extends { registry: string; repository: string }>(m: Map<string, E>): E[] {
  return [...m.values()].sort((a, b) => a.registry.localeCompare(b.registry) || a.repository.localeCompare(b.repository));
}

export function listCaches(s: Shared): CacheListResult {
  const manifests = new Map<string, { registry: string; repository: string; entries: number; bytes: number }>();
  let manifestEntries = 0;
  let manifestBytes = 0;
  for (const [k, size] of s.manifests.sizes()) {
    const p = place(k, '@');
    const id = `${p.registry}/${p.repository}`;
    const e = manifests.get(id) ?? { registry: p.registry, repository: p.repository, entries: 0, bytes: 0 };
    e.entries += 1;
    e.bytes += size;
    manifests.set(id, e);
    manifestEntries += 1;
    manifestBytes += size;
  }
  const tags = new Map<string, { registry: string; repository: string; entries: number; tags: string[] }>();
  let tagEntries = 0;
  for (const k of s.tags.keys()) {
    const p = place(k, ':');
    const id = `${p.registry}/${p.repository}`;
    const e = tags.get(id) ?? { registry: p.registry, repository: p.repository, entries: 0, tags: [] };
    e.entries += 1;
    // The same tag seen by two callers is two entries but one name.
    if (!e.tags.includes(p.rest)) e.tags.push(p.rest);
    tags.set(id, e);
    tagEntries += 1;
  }
  for (const e of tags.values()) e.tags.sort();
  const blobs = new Map<string, { registry: string; repository: string; entries: number }>();
  let blobEntries = 0;
  for (const k of s.knownBlobs.keys()) {
    const p = place(k, '@');
    const id = `${p.registry}/${p.repository}`;
    const e = blobs.get(id) ?? { registry: p.registry, repository: p.repository, entries: 0 };
    e.entries += 1;
    blobs.set(id, e);
    blobEntries += 1;
  }
  const tokens = [...s.auth.tokens.countsByRegistry()].map(([registry, entries]) => ({ registry, entries })).sort((a, b) => a.registry.localeCompare(b.registry));
  return {
    manifests: { entries: manifestEntries, bytes: manifestBytes, repositories: byRepository(manifests) },
    tags: { entries: tagEntries, repositories: byRepository(tags) },
    tokens: { entries: tokens.reduce((n, t) => n + t.entries, 0), registries: tokens },
    knownBlobs: { entries: blobEntries, repositories: byRepository(blobs) },
  };
}

/** Empties the caches named (none named: all). Connections, credentials and probes stay. */
export function clearCaches(s: Shared, which: CacheClearParams): CacheClearResult {
  const all = !which.manifests && !which.tags && !which.tokens && !which.blobs;
  return {
    manifests: all || which.manifests ? s.manifests.clear() : 0,
    tags: all || which.tags ? s.tags.clear() : 0,
    tokens: all || which.tokens ? s.auth.tokens.clear() : 0,
    knownBlobs: all || which.blobs ? s.knownBlobs.clear() : 0,
  };
}
