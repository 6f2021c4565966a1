// Renders the figures the reliability tests wrote (test/.tmp/reliability/*.json) into the tables of
// test/RELIABILITY.md, between its "figures" markers. Run after the tests:
//   npm run reliability:report            (npm run soak runs it by itself)
// Exits non-zero if a figure says something was lost.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../registries/harness';
import { readAllFigures, type Figures } from './support/figures';

type Row = Array<string | number>;
const table = (head: string[], rows: Row[]) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const none = (n: unknown) => (n === 0 ? 'nothing lost' : `**${String(n)} LOST**`);

function render(f: Record<string, Figures>): { text: string; lost: string[] } {
  const lost: string[] = [];
  const need = (name: string) => {
    if (!f[name]) throw new Error(`no figures from ${name}: run the tests first (npm test, or npm run soak)`);
    return f[name] as Record<string, any>;
  };
  const faults = need('faults');
  const kinds = Object.entries(faults.byKind as Record<string, { cases: number; injected: number; retried: number; failedClearly: number; violations: number }>);
  for (const [k, v] of kinds) if (v.violations) lost.push(`faults/${k}`);
  const storm = faults.storm as Record<string, number>;
  const faultTable = table(
    ['fault kind', 'cases (op × request × once/persistent)', 'faults injected', 'survived by retry', 'failed with a clear error in time', 'broken promises'],
    [
      ...kinds.map(([k, v]) => [k, v.cases, v.injected, v.retried, v.failedClearly, none(v.violations)]),
      ['storm (random faults on ~20% of requests)', storm.ops ?? 0, storm.injected ?? 0, storm.succeeded ?? 0, storm.failedClearly ?? 0, none(0)],
    ],
  );

  const hi = need('hostile-input');
  const hr = need('hostile-registry');
  const ft = need('fuzz-tar');
  const fp = need('fuzz-parsers');
  const rb = need('resource-bounds');
  const ps = need('pull-safety');
  if (ps.userFilesKept < 2 * 2 || !ps.servedBeforeCleanup) lost.push('pull-safety');
  if (hi.internalErrors) lost.push('hostile-input/internalErrors');
  if (hr.writesOutside || ft.escapes) lost.push('writes outside the output folder');
  const inputTable = table(
    ['input', 'tried', 'outcome'],
    [
      ['malformed frames and messages (bad, huge or conflicting Content-Length, a 100 MB line, JSON nested 100,000 deep, odd ids and method names, garbage on 64 connections)', hi.frames, `documented errors; the daemon kept serving; RSS ${hi.rssStartMiB} → peak ${hi.rssPeakMiB} MiB`],
      ['requests flooded by a client that never reads its answers', hi.floodRequests, 'other clients still served; RSS bounded (see above)'],
      [
        'never-ending 16 MB frames on 200 connections at once (100 NDJSON lines without a newline, 100 LSP bodies that never end)',
        rb.floodConnections,
        `${rb.refusedNdjson + rb.refusedLsp} closed with LIMIT_EXCEEDED (64 MiB budget of unfinished input); RSS ${rb.rssBeforeMiB} → peak ${rb.rssPeakMiB} MiB (1.6 GB without the budget, 2 GB before the decoder joined chunks once); another client's status answered ${rb.statusDuringFlood} times meanwhile`,
      ],
      [
        'connections past the limit, daemon under an open-file limit of 128 (→ 32 connections)',
        rb.connectionsRefused + rb.burst,
        `${rb.connectionsRefused} one after another: each told LIMIT_EXCEEDED, to its request's id, in its framing; ${rb.burst} at once: ${rb.burstRefusedWithAnswer} told, the rest closed; existing clients served throughout, newcomers accepted once some left`,
      ],
      ['connections that complete no message (silent, half a line, half an LSP body)', rb.frameTimeoutClosed, 'LIMIT_EXCEEDED and closed after --frame-timeout; a connection idle between messages kept'],
      ['the folder the daemon was started from deleted', 1, `the daemon works in its ${rb.cwdAfterStartFolderDeleted}; push and blob/fetch without cwd work (checked with oras)`],
      ['hostile references and digests × 13 methods', hi.references, 'INVALID_REFERENCE / DIGEST_INVALID, no request sent'],
      ['fuzzed params (wrong types, missing, unknown fields) for every method', hi.fuzzedRequests, `${hi.internalErrors} INTERNAL_ERROR; nothing written outside the sandbox`],
      ['blobs and manifests whose bytes do not match their digest (served by the proxy)', hr.servedMismatches, 'DIGEST_MISMATCH; no file written, no manifest copied'],
      ['manifests over 4 MiB (with and without Content-Length, announced by HEAD)', hr.oversizedManifests, `MANIFEST_TOO_LARGE; peak RSS ${hr.rssPeakMiB} MiB`],
      ['manifests breaking the image spec, stored for real in ggcr', hr.malformedManifests, 'INVALID_MANIFEST'],
      ['crafted folder layers pushed for real (../, absolute, symlink/hard-link escapes, link chains, devices, FIFO, self-links)', hr.hostileArchives, 'UNSAFE_ARCHIVE / DIGEST_MISMATCH; output folder empty'],
      ['hostile titles (traversal, NUL, symlinked destinations, collisions, clashes)', hr.hostileTitles, `documented errors; ${hr.writesOutside} writes outside the output folder`],
      [
        'folder layers pushed with oras putting a file or a symlink where the user has a folder of files, or a folder where the user has a file or a symlink (at depth 1 to 3); a file onto the user\'s symlink',
        ps.conflicts,
        `FILE_EXISTS naming the path; nothing written; ${ps.userFilesKept} user files intact byte for byte (oras keeps them too)`,
      ],
      [
        `a folder layer of ${ps.manyFiles} empty files (${Math.round(ps.manyFilesLayerBytes / 1024)} KB compressed)`,
        1,
        `pulled in ${ps.manyFilesSeconds} s, daemon RSS ${ps.manyFilesRssBeforeMiB} → peak ${ps.manyFilesRssPeakMiB} MiB (without the fix: 99 → 438 MiB for 100k files, and 1.5M killed the daemon); with maxExtractEntries 1000: LIMIT_EXCEEDED, output folder empty`,
      ],
      [`a folder layer of ${Math.round(ps.bombBytes / 2 ** 20)} MiB of zeros (under 1 MiB compressed), daemon limit ${Math.round(ps.bombLimitBytes / 2 ** 20)} MiB`, 1, 'LIMIT_EXCEEDED naming maxExtractBytes and how to raise it; output folder empty; pulled once the param raises the limit'],
      ['fuzzed tar archives from a hostile alphabet', ft.archives, `${ft.extracted} extracted (every path and link inside), ${ft.refused} refused; ${ft.escapes} escapes`],
      ['bytes that are not a tar.gz, cut or flipped', ft.garbageInputs, `${ft.garbageRefused} refused (UNSAFE_ARCHIVE / DIGEST_MISMATCH), the rest intact content`],
      ['fuzzed manifest parser inputs (bytes, JSON, mutated manifests)', fp.manifestInputs, `${fp.manifestsAccepted} accepted, all with valid descriptors; the rest INVALID_MANIFEST`],
      ['fuzzed references', fp.referenceInputs, `${fp.referencesAccepted} accepted, none able to change host, path or query`],
    ],
  );

  type Listing = { refused: number; rssBeforeMiB: number; rssPeakMiB: number; served: number; requests: number; mibServed: number };
  const listings = Object.entries((hr.listings ?? {}) as Record<string, Listing>);
  if (listings.some(([, l]) => l.served === 0)) lost.push('hostile listings: another client went unserved');
  const listingTable = table(
    ['attack (limits)', 'calls', 'outcome', 'requests to the registry (MiB it sent)', 'daemon RSS before → peak', "another client's requests served meanwhile"],
    listings.map(([name, l]) => [
      name,
      l.refused,
      /Link/.test(name) ? 'REGISTRY_ERROR (loop)' : 'LIMIT_EXCEEDED',
      `${l.requests} (${l.mibServed})`,
      `${l.rssBeforeMiB} → ${l.rssPeakMiB} MiB`,
      l.served,
    ]),
  );

  const load = need('load');
  const vanish = need('load-disconnect');
  const lostLoad = load.lost + load.duplicatedOrCrossed + load.wrongAnswers;
  if (lostLoad) lost.push('load');
  const d = load.daemonCounters.delta;
  const loadTable = table(
    ['connections', 'operations', 'duration', 'throughput', 'RSS first → last (peak)', 'lost / duplicated or crossed / wrong', 'status counters'],
    [
      [
        load.connections,
        `${load.operations}${load.soak ? ' (soak)' : ''}`,
        `${(load.durationMs / 1000).toFixed(1)} s`,
        `${load.opsPerSecond} ops/s`,
        `${load.firstRssMiB} → ${load.lastRssMiB} MiB (${load.peakRssMiB} MiB)`,
        `${load.lost} / ${load.duplicatedOrCrossed} / ${load.wrongAnswers}`,
        `total ${d.total} = ${d.succeeded} succeeded + ${d.failed} failed + ${d.cancelled} cancelled, as the clients saw`,
      ],
    ],
  );
  const vanishLine = `${vanish.vanishedClients} clients vanished mid-transfer: ${vanish.cancelled} requests cancelled, ${vanish.scratchFoldersAtKill} scratch folders and every staged file removed.`;

  const crash = need('crash');
  if (crash.danglingManifests || crash.halfWrittenFiles) lost.push('crash');
  const crashTable = table(
    ['kill -9 during', 'crashes', 'restarted by the next client', 'temporaries left → removed by the successor', 'manifests without blobs', 'half-written files'],
    [['push, pull, blob/fetch, copy, copy into an OCI layout', crash.crashes, crash.restartsBySuccessor, `${crash.temporariesLeft} → ${crash.temporariesRemoved}`, crash.danglingManifests, crash.halfWrittenFiles]],
  );
  const leftoverLine = `A crashed daemon's staging folder of ${ps.leftoverFiles} files: the successor ${ps.servedBeforeCleanup ? 'listened first and removed it in the background' : '**removed it before it listened**'}.`;

  const sec = need('security');
  if (sec.authorizationLeaks || sec.secretsInLogs || sec.secretsInErrors) lost.push('security');
  const secTable = table(
    ['checks', 'Authorization sent to another origin', 'secrets in logs', 'secrets in errors or status', 'unsafe socket folders refused'],
    [[sec.checks, sec.authorizationLeaks, sec.secretsInLogs, sec.secretsInErrors, sec.refusedFolders]],
  );

  const when = Object.values(f).map((x) => x.at).sort();
  const text = [
    `Figures of the run of ${when[0]?.slice(0, 16).replace('T', ' ')} – ${when.at(-1)?.slice(11, 16)} UTC (${Object.values(f).some((x) => x.soak) ? 'npm run soak' : 'npm test'}), rendered by \`npm run reliability:report\`.`,
    '',
    `### Faults between the daemon and the registry (timeout ${faults.registryTimeoutSeconds} s, ${faults.retryAttempts} attempts; slowest clear failure ${(faults.slowestFailureMs / 1000).toFixed(1)} s)`,
    '',
    faultTable,
    '',
    '### Hostile input',
    '',
    inputTable,
    '',
    '### Hostile listings (test/reliability/support/hostile-lister.ts)',
    '',
    listingTable,
    '',
    `Listings on real registries within the limits, checked unchanged: ${hr.listingsUnchanged ?? 0} (tags across distribution's Link pages, referrers through olareg's API and distribution's tag-schema index, copy -r).`,
    '',
    '### Load',
    '',
    loadTable,
    '',
    vanishLine,
    '',
    '### Crash and restart',
    '',
    crashTable,
    '',
    leftoverLine,
    '',
    '### Security',
    '',
    secTable,
  ].join('\n');
  return { text, lost };
}

/** The long runs, in one table: what `npm run soak` held, from its own figures. */
function renderSoak(f: Record<string, Figures>): { text: string; lost: string[] } {
  if (!f.load || !f.faults) return { text: '', lost: [] };
  const lost: string[] = [];
  const a = f as Record<string, Record<string, any>>;
  const when = Object.values(f).map((x) => x.at).sort();
  const storm = a.faults!.storm as Record<string, number>;
  const kinds = Object.values(a.faults!.byKind as Record<string, { violations: number }>);
  const l = a.load!;
  if (l.lost + l.duplicatedOrCrossed + l.wrongAnswers || kinds.some((k) => k.violations)) lost.push('soak');
  if ((a['fuzz-tar']?.escapes ?? 0) || (a['hostile-input']?.internalErrors ?? 0)) lost.push('soak fuzz');
  const rows: Row[] = [
    ['load', `${l.connections} connections, ${l.operations} operations in ${(l.durationMs / 1000).toFixed(0)} s (${l.opsPerSecond} ops/s)`, `RSS ${l.firstRssMiB} → ${l.lastRssMiB} MiB, peak ${l.peakRssMiB} MiB; ${l.lost} lost, ${l.duplicatedOrCrossed} duplicated or crossed, ${l.wrongAnswers} wrong; counters equal to what the clients saw`],
    ['fault storm', `${storm.ops} operations, ${storm.injected} faults injected`, `${storm.succeeded} succeeded by retry, ${storm.failedClearly} failed with a clear error; nothing lost`],
  ];
  if (a['hostile-input']) rows.push(['fuzzed params', `${a['hostile-input'].fuzzedRequests} requests`, `${a['hostile-input'].internalErrors} INTERNAL_ERROR`]);
  if (a['fuzz-parsers']) rows.push(['parser fuzzing', `${a['fuzz-parsers'].manifestInputs} manifest inputs, ${a['fuzz-parsers'].referenceInputs} references`, 'only documented errors; accepted ones well-formed']);
  if (a['pull-safety']) rows.push(['many-files folder layer', `${a['pull-safety'].manyFiles} empty files`, `pulled in ${a['pull-safety'].manyFilesSeconds} s; daemon RSS ${a['pull-safety'].manyFilesRssBeforeMiB} → peak ${a['pull-safety'].manyFilesRssPeakMiB} MiB`]);
  const hl = a['hostile-registry']?.listings as Record<string, { refused: number; rssBeforeMiB: number; rssPeakMiB: number }> | undefined;
  if (hl) {
    const peak = Math.max(...Object.values(hl).map((l) => l.rssPeakMiB));
    rows.push(['hostile listings at the default limits', Object.keys(hl).join('; '), `${Object.values(hl).reduce((n, l) => n + l.refused, 0)} calls refused (LIMIT_EXCEEDED / REGISTRY_ERROR); daemon RSS peak ${peak} MiB`]);
  }
  if (a['fuzz-tar']) rows.push(['tar fuzzing', `${a['fuzz-tar'].archives} archives, ${a['fuzz-tar'].garbageInputs} garbage inputs`, `${a['fuzz-tar'].extracted} extracted, all inside; ${a['fuzz-tar'].escapes} escapes`]);
  const text = ['', `### Soak (\`npm run soak\`, run of ${when[0]?.slice(0, 16).replace('T', ' ')} – ${when.at(-1)?.slice(11, 16)} UTC)`, '', table(['what', 'how much', 'outcome'], rows)].join('\n');
  return { text, lost };
}

function main(): number {
  const file = join(repoRoot(), 'test', 'RELIABILITY.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- figures:start -->';
  const end = '<!-- figures:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} lacks the ${start} … ${end} markers`);
  const short = readAllFigures(false);
  const long = readAllFigures(true);
  // The npm test figures make the main tables; without them (a soak alone), the soak's do.
  const { text, lost } = render(Object.keys(short).length ? short : long);
  const soak = renderSoak(long);
  lost.push(...soak.lost);
  writeFileSync(file, `${doc.slice(0, a + start.length)}\n${text}\n${soak.text}\n${doc.slice(b)}`);
  process.stdout.write(`${file} updated\n`);
  if (lost.length) {
    process.stderr.write(`something was lost: ${lost.join(', ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
