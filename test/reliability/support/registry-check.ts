// Reads a registry directly (no daemon, no proxy) to judge what a faulty run left there:
// every manifest must have all of its blobs and child manifests.
import { httpRequest } from '../../registries/harness';

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export interface RegistryAccess {
  url: string;
  /** e.g. 'Basic ...' for a registry with basic auth. */
  authorization?: string;
}

function headers(r: RegistryAccess, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(r.authorization ? { authorization: r.authorization } : {}), ...extra };
}

export async function getManifest(r: RegistryAccess, repo: string, ref: string): Promise<{ digest: string; json: Record<string, any> } | undefined> {
  const res = await httpRequest(`${r.url}/v2/${repo}/manifests/${ref}`, { headers: headers(r, { accept: ACCEPT }) });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET manifest ${repo}:${ref}: ${res.status} ${res.text().slice(0, 200)}`);
  const { createHash } = await import('node:crypto');
  return { digest: `sha256:${createHash('sha256').update(res.body).digest('hex')}`, json: res.json() };
}

async function present(r: RegistryAccess, repo: string, kind: 'blobs' | 'manifests', digest: string): Promise<boolean> {
  const res = await httpRequest(`${r.url}/v2/${repo}/${kind}/${digest}`, { method: 'HEAD', headers: headers(r, { accept: ACCEPT }) });
  return res.status === 200;
}

/** What a manifest (and, for an index, its children) points at that the registry lacks. */
export async function missingContent(r: RegistryAccess, repo: string, ref: string): Promise<string[]> {
  const m = await getManifest(r, repo, ref);
  if (!m) return [];
  const missing: string[] = [];
  const j = m.json;
  if (Array.isArray(j.manifests)) {
    for (const c of j.manifests as Array<{ digest: string }>) {
      if (!(await present(r, repo, 'manifests', c.digest))) missing.push(`manifest ${c.digest}`);
      else missing.push(...(await missingContent(r, repo, c.digest)));
    }
  } else {
    for (const b of [j.config, ...(j.layers ?? []), ...(j.blobs ?? [])] as Array<{ digest: string } | undefined>) {
      if (b && !(await present(r, repo, 'blobs', b.digest))) missing.push(`blob ${b.digest}`);
    }
  }
  return missing;
}

export async function tags(r: RegistryAccess, repo: string): Promise<string[]> {
  const res = await httpRequest(`${r.url}/v2/${repo}/tags/list`, { headers: headers(r) });
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`tags of ${repo}: ${res.status}`);
  return (res.json<{ tags?: string[] | null }>().tags ?? []).slice();
}

/** Every tag of the repository whose manifest lacks content, with what it lacks. */
export async function danglingTags(r: RegistryAccess, repo: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of await tags(r, repo)) {
    const missing = await missingContent(r, repo, t);
    if (missing.length) out[t] = missing;
  }
  return out;
}

/** Referrers of a subject as the registry lists them (API, else the fallback tag's index). */
export async function referrerDigests(r: RegistryAccess, repo: string, subject: string, api: boolean): Promise<string[]> {
  if (api) {
    const res = await httpRequest(`${r.url}/v2/${repo}/referrers/${subject}`, { headers: headers(r) });
    if (res.status !== 200) return [];
    return (res.json<{ manifests?: Array<{ digest: string }> }>().manifests ?? []).map((d) => d.digest);
  }
  const idx = await getManifest(r, repo, subject.replace(':', '-'));
  return ((idx?.json.manifests ?? []) as Array<{ digest: string }>).map((d) => d.digest);
}
