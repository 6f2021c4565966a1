import type { StatusResult } from '../../protocol';

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function counts(m: Record<string, number>): string {
  const e = Object.entries(m).sort((a, b) => b[1] - a[1]);
  return e.length ? e.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}

/** `orasd daemon status` for people: what runs, for whom, what it did and what it holds. */
export function statusText(s: StatusResult, logFile?: string): string {
  const c = s.caches;
  return [
    `orasd ${s.version}${s.build ? ` (build ${s.build})` : ''}, pid ${s.pid}, up ${duration(s.uptimeSeconds)}`,
    ...(s.socket ? [`socket    ${s.socket}`] : []),
    ...(logFile ? [`log       ${logFile}  (orasd daemon logs)`] : []),
    ...(s.settings?.configFile ? [`config    ${s.settings.configFile}`] : []),
    `clients   ${s.clients.connected} connected, ${s.clients.total} since start`,
    `requests  ${s.requests.inFlight} in flight; ${s.requests.total} done: ${s.requests.succeeded} succeeded, ${s.requests.failed} failed, ${s.requests.cancelled} cancelled`,
    `          by method: ${counts(s.requests.byMethod)}`,
    `registry  ${s.http.requests} HTTP requests (${counts(s.http.byOrigin)}), ${s.http.tokenFetches} token fetches`,
    `caches    manifests ${c.manifests.entries} (${bytes(c.manifests.bytes)}, ${c.manifests.hits} hits, ${c.manifests.misses} misses); tags ${c.tags.entries} (${c.tags.hits} hits, ${c.tags.misses} misses); tokens ${c.tokens.entries}; known blobs ${c.knownBlobs.entries}`,
    `memory    ${bytes(s.memory.rss)} resident, ${bytes(s.memory.heapUsed)} heap`,
    '',
  ].join('\n');
}
