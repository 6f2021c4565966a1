import type { CopyResult } from '../../../protocol';
import type { CommandDef, Context } from '../command';
import { CliError } from '../errors';
import { concurrencyFlag, debugFlag, noTtyFlag, platformFlag, targetFlags, verboseFlag } from '../flagsets';
import { COPY_PROMPTS } from '../output/status';
import { transferDisplay } from '../progress';
import { display, ensureSelector, parseTarget, type TargetRef } from '../targets';
import { concurrency, platform } from './common';

export const copyCommand: CommandDef = {
  name: 'cp',
  aliases: ['copy'],
  short: 'Copy artifacts from one target to another',
  long: `Copy artifacts from one target to another. When copying an image index, all of its manifests will be copied

Example - Copy an artifact between registries:
  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Copy an artifact and every referrer of it, at every level:
  oras cp -r localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Download into an OCI image layout folder, or upload from one:
  oras cp --to-oci-layout localhost:5000/net-monitor:v1 ./downloaded:v1
  oras cp --from-oci-layout ./to-upload:v1 localhost:5000/net-monitor:v1

Example - Copy with several tags:
  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:tag1,tag2,tag3`,
  use: '[flags] <from>{:<tag>|@<digest>} <to>[:<tag>[,<tag>][...]]',
  args: { exact: 2, text: 'the source and destination for copying' },
  flags: [
    debugFlag,
    noTtyFlag,
    ...targetFlags('from-', 'source ', { distributionSpec: true }),
    ...targetFlags('to-', 'destination ', { distributionSpec: true }),
    // orasd extension: both sides at once (oras 1.3 has only the --from-/--to- forms).
    { name: 'plain-http', type: 'bool', usage: 'allow insecure connections to both registries without SSL check (orasd)' },
    { name: 'insecure', type: 'bool', usage: 'allow connections to both SSL registries without certs (orasd)' },
    { name: 'resolve', type: 'stringArray', valueName: 'host:port:address[:address_port]', usage: 'base DNS rules for --from-resolve and --to-resolve (not supported by orasd)' },
    platformFlag(),
    { name: 'recursive', short: 'r', type: 'bool', usage: '[Preview] recursively copy the artifact and its referrer artifacts' },
    concurrencyFlag(3),
    verboseFlag(true),
  ],
  run: runCopy,
};

async function runCopy(c: Context): Promise<number> {
  const f = c.flags;
  if (f.list('resolve').length) throw new CliError('--resolve is not supported by orasd');
  const [fromRaw, toArg] = [c.args[0]!, c.args[1]!];
  const refs = toArg.split(',');
  const toRaw = refs[0]!;
  const extra = refs.slice(1);
  const from = await parseTarget(c, fromRaw, 'from-');
  const to = await parseTarget(c, toRaw, 'to-');
  ensureSelector(c, from);
  const toTagged = to.selector && !to.selector.includes(':');
  const toRef = to.fields.reference as string;
  const destination = extra.length ? (toTagged ? `${toRef},${extra.join(',')}` : `${toRef}:${extra.join(',')}`) : toRef;
  const side = (t: TargetRef, prefix: 'from' | 'to') =>
    Object.fromEntries(
      Object.entries(t.fields)
        .filter(([k]) => k !== 'reference')
        .map(([k, v]) => [`${prefix}${k[0]!.toUpperCase()}${k.slice(1)}`, v]),
    );
  const plat = platform(c);
  const view = transferDisplay(c.io, { tty: c.tty, text: true, verbose: f.bool('verbose'), prompts: COPY_PROMPTS });
  let result: CopyResult;
  try {
    result = await c.call<CopyResult>(
      'copy',
      {
        source: from.fields.reference,
        destination,
        ...side(from, 'from'),
        ...side(to, 'to'),
        ...(f.bool('plain-http') ? { plainHttp: true } : {}),
        ...(f.bool('insecure') ? { insecure: true } : {}),
        ...(f.bool('recursive') ? { recursive: true } : {}),
        ...(plat ? { platform: plat } : {}),
        concurrency: concurrency(c),
      },
      (v) => view.onProgress(v),
    );
    // The engine reports blobs only; oras also shows the root manifest it wrote.
    if (result.stats.manifests > 0) {
      view.status('start', result);
      view.status('done', result);
    }
  } finally {
    view.stop();
  }
  // A source named by another digest (a platform pick) is shown by the digest copied.
  const source = /^[a-z0-9]+:/.test(from.selector) && from.selector !== result.digest ? { ...from, raw: `${from.path}@${result.digest}` } : from;
  c.println('Copied', display(source), '=>', display(to));
  for (const t of extra) c.println('Tagged', t);
  c.println('Digest:', result.digest);
  return 0;
}
