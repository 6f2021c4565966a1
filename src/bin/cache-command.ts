import { dirname } from 'node:path';
import { CLIENT_REFUSAL, defaultSocketPath, socketFolderProblem, type CacheClearResult, type CacheListResult } from '../../protocol';
import { OrasdClient } from '../../clients/typescript/client';
import { probeSocket } from '../server/socket-server';
import { CACHE_USAGE, wantsHelp } from './help';
import { bytes } from './status-text';

const CLEAR_FLAGS = { '--manifests': 'manifests', '--tags': 'tags', '--tokens': 'tokens', '--blobs': 'blobs' } as const;

/** `orasd cache [list|clear] [--format json|text] [--manifests --tags --tokens --blobs]`. */
export async function cacheCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv) || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CACHE_USAGE);
    return 0;
  }
  const args = [...argv];
  const sub = args[0] === 'list' || args[0] === 'clear' ? args.shift()! : 'list';
  let fmt: string | undefined = process.stdout.isTTY ? 'text' : 'json';
  const which: Record<string, boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a.startsWith('--format=')) {
      fmt = a === '--format' ? args[++i] : a.slice('--format='.length);
    } else if (sub === 'clear' && a in CLEAR_FLAGS) {
      which[CLEAR_FLAGS[a as keyof typeof CLEAR_FLAGS]] = true;
    } else {
      process.stderr.write(`orasd cache ${sub}: unknown argument ${a}\n\n${CACHE_USAGE}`);
      return 2;
    }
  }
  if (fmt !== 'json' && fmt !== 'text') {
    process.stderr.write(`orasd cache: --format takes json or text, got ${fmt ?? 'nothing'}\n`);
    return 2;
  }
  const path = defaultSocketPath();
  const problem = await socketFolderProblem(dirname(path));
  if (problem) {
    process.stderr.write(`orasd: ${problem}; ${CLIENT_REFUSAL}\n`);
    return 1;
  }
  // Looking at or clearing caches never starts a daemon: a new one holds nothing.
  if ((await probeSocket(path)) !== 'live') {
    process.stderr.write(`orasd: no daemon is running on ${path}${sub === 'clear' ? '; nothing to clear' : ''}\n`);
    return sub === 'clear' ? 0 : 1;
  }
  const c = await OrasdClient.connect({ socketPath: path, autoSpawn: false, replaceOutdated: false, clientName: `orasd cache ${sub}` });
  try {
    if (sub === 'clear') {
      const r = await c.call('cache/clear', which);
      process.stdout.write(fmt === 'json' ? `${JSON.stringify(r, null, 2)}\n` : clearText(r));
    } else {
      const r = await c.call('cache/list', {});
      process.stdout.write(fmt === 'json' ? `${JSON.stringify(r, null, 2)}\n` : listText(r));
    }
    return 0;
  } finally {
    c.dispose();
  }
}

function clearText(r: CacheClearResult): string {
  return `cleared manifests ${r.manifests}, tags ${r.tags}, tokens ${r.tokens}, known blobs ${r.knownBlobs}\n`;
}

/** For people: one heading per cache, one line per repository (or registry, for tokens). */
export function listText(r: CacheListResult): string {
  const lines = [`manifests    ${r.manifests.entries} (${bytes(r.manifests.bytes)})`];
  for (const e of r.manifests.repositories) lines.push(`  ${e.registry}/${e.repository}  ${e.entries} (${bytes(e.bytes)})`);
  lines.push(`tags         ${r.tags.entries}`);
  for (const e of r.tags.repositories) lines.push(`  ${e.registry}/${e.repository}  ${e.tags.join(' ')}`);
  lines.push(`tokens       ${r.tokens.entries}`);
  for (const e of r.tokens.registries) lines.push(`  ${e.registry}  ${e.entries}`);
  lines.push(`known blobs  ${r.knownBlobs.entries}`);
  for (const e of r.knownBlobs.repositories) lines.push(`  ${e.registry}/${e.repository}  ${e.entries}`);
  return `${lines.join('\n')}\n`;
}
