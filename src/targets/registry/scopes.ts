/**
 * Token scopes (docker token spec): `type:name:actions`. A name may itself hold ':' (a registry
 * host with a port inside a repository name never does, but a resource name might), so the
 * actions are after the last ':'.
 */
export const CATALOG_SCOPE = 'registry:catalog:*';

export function repositoryScope(repository: string, ...actions: Array<'pull' | 'push' | 'delete' | '*'>): string {
  return `repository:${repository}:${actions.join(',')}`;
}

export const pullScope = (repo: string) => repositoryScope(repo, 'pull');
export const pushScope = (repo: string) => repositoryScope(repo, 'pull', 'push');
/** Distribution checks the `delete` action for DELETE of manifests and blobs. */
export const deleteScope = (repo: string) => repositoryScope(repo, 'delete');

/**
 * Merges actions per resource and sorts, so equal needs give equal token-cache keys
 * ("repository:a:push,pull" + "repository:a:pull" → "repository:a:pull,push").
 */
export function cleanScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const raw of scopes) {
    for (const s of raw.split(' ')) {
      if (!s) continue;
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first <= 0 || first === last) {
        opaque.add(s);
        continue;
      }
      const resource = s.slice(0, last);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const a of s.slice(last + 1).split(',')) if (a) actions.add(a);
      byResource.set(resource, actions);
    }
  }
  const out = [...opaque];
  for (const [resource, actions] of byResource) {
    if (actions.size === 0) continue;
    const list = actions.has('*') ? ['*'] : [...actions].sort();
    out.push(`${resource}:${list.join(',')}`);
  }
  return out.sort();
}
