import type { DiscoverNode, DiscoverResult } from '../../../protocol';
import type { CommandDef, Context } from '../command';
import { CliError } from '../errors';
import { FORMAT_TEMPLATE, debugFlag, formatFlags, noTtyFlag, platformFlag, targetFlags, verboseFlag } from '../flagsets';
import { goPrettyJson } from '../output/json';
import { plainDescriptor, referencedDescriptor } from '../output/model';
import { discoverTree } from '../output/tree';
import { ensureSelector, parseTarget } from '../targets';
import { parseFormat, platform } from './common';

const FORMATS = [
  { name: 'tree', usage: 'Get referrers and print in tree format' },
  { name: 'table', usage: '[Deprecated] Get referrers and output in table format' },
  { name: 'json', usage: 'Get referrers and output in JSON format' },
  FORMAT_TEMPLATE,
];

export const discoverCommand: CommandDef = {
  name: 'discover',
  short: '[Preview] Discover referrers of a manifest in a registry or an OCI image layout',
  long: `[Preview] Discover referrers of a manifest in a registry or an OCI image layout

** This command is in preview and under development. **

Example - Show the referrers of 'hello:v1' as a tree:
  oras discover localhost:5000/hello:v1

Example - Only direct referrers of type 'sbom/example', as JSON:
  oras discover --format json --depth 1 --artifact-type sbom/example localhost:5000/hello:v1

Example - The JSON of oras 1.1 scripts (the flat "manifests" list is kept):
  oras discover -o json localhost:5000/hello:v1 | jq -r ".manifests[0].digest"`,
  use: '[flags] <name>{:<tag>|@<digest>}',
  args: { exact: 1, text: 'the target artifact to discover referrers from' },
  flags: [
    debugFlag,
    { ...noTtyFlag, usage: '[Preview] disable colors' },
    ...targetFlags('', '', { distributionSpec: true }),
    ...formatFlags(FORMATS, 'tree'),
    platformFlag(),
    { name: 'artifact-type', type: 'string', usage: 'artifact type' },
    { name: 'output', short: 'o', type: 'string', default: 'tree', usage: '[Deprecated] format in which to display referrers (table, json, or tree).' },
    { name: 'depth', type: 'int', usage: '[Experimental] level of referrers to display, if unused shows referrers of all levels' },
    verboseFlag(true, 'display full metadata of referrers'),
  ],
  run: runDiscover,
};

/** The 1.3 node (reference and descriptor, then nested referrers) for JSON. */
function jsonNode(path: string, n: DiscoverNode): Record<string, unknown> {
  return { ...referencedDescriptor(path, n), referrers: (n.referrers ?? []).map((r) => jsonNode(path, r)) };
}

function table(raw: string, root: DiscoverResult, verbose: boolean): string {
  const refs = root.referrers ?? [];
  let s = `Discovered ${refs.length} artifact${refs.length === 1 ? '' : 's'} referencing ${raw}\nDigest: ${root.digest}\n`;
  if (!refs.length) return s;
  const title = 'Artifact Type';
  const width = Math.max(title.length, ...refs.map((r) => (r.artifactType ?? '').length));
  const row = (k: string, v: string) => `${k} ${' '.repeat(width - k.length + 1)} ${v}\n`;
  s += `\n${row(title, 'Digest')}`;
  for (const r of refs) {
    s += row(r.artifactType ?? '', r.digest);
    if (verbose) {
      const { referrers: _r, reference: _ref, ...desc } = r;
      s += goPrettyJson(plainDescriptor(desc));
    }
  }
  return s;
}

async function runDiscover(c: Context): Promise<number> {
  const f = c.flags;
  if (f.changed('format') && f.changed('output')) throw new CliError('--format, --output cannot be used at the same time');
  if (f.changed('depth') && f.int('depth') < 1) throw new CliError('depth value should be at least 1');
  // -o is the deprecated name of --format; the walkthrough's `-o tree` / `-o json` rely on it.
  if (f.changed('output')) {
    if (!['tree', 'table', 'json'].includes(f.str('output'))) throw new CliError('output type can only be tree, table or json');
    f.parsed.values.set('format', f.str('output'));
  }
  const format = parseFormat(c, ['table', 'json', 'go-template', 'tree']);
  if (f.changed('output')) c.err(`[DEPRECATED] --output is deprecated, try \`--format ${format}\` instead\n`);
  const target = await parseTarget(c, c.args[0]!);
  ensureSelector(c, target);
  const depth = format === 'table' ? 1 : f.changed('depth') ? f.int('depth') : undefined;
  const plat = platform(c);
  const result = await c.call<DiscoverResult>('discover', {
    ...target.fields,
    ...(f.str('artifact-type') ? { artifactType: f.str('artifact-type') } : {}),
    ...(depth ? { depth } : {}),
    ...(plat ? { platform: plat } : {}),
  });
  const verbose = f.bool('verbose');
  switch (format) {
    case 'json':
      // oras 1.3's nested "referrers", plus oras 1.1's flat "manifests" that older scripts read.
      c.out(goPrettyJson({ ...jsonNode(target.path, result), manifests: (result.manifests ?? []).map((m) => referencedDescriptor(target.path, m)) }));
      break;
    case 'table':
      c.out(table(target.raw, result, verbose));
      break;
    default:
      c.out(discoverTree(target.path, result, { verbose, color: c.tty }));
  }
  return 0;
}
