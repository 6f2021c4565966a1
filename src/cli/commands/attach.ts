import type { AttachResult, ManifestFetchResult } from '../../../protocol';
import type { CommandDef, Context } from '../command';
import { CliError } from '../errors';
import {
  FORMAT_JSON,
  FORMAT_TEMPLATE,
  FORMAT_TEXT,
  concurrencyFlag,
  debugFlag,
  formatFlags,
  noTtyFlag,
  packerFlags,
  platformFlag,
  targetFlags,
  verboseFlag,
} from '../flagsets';
import { goPrettyJson } from '../output/json';
import { referencedDescriptor } from '../output/model';
import { PUSH_PROMPTS } from '../output/status';
import { transferDisplay } from '../progress';
import { display, ensureSelector, parseTarget } from '../targets';
import { concurrency, fileDisplayName, packArgs, parseFormat, platform } from './common';

export const attachCommand: CommandDef = {
  name: 'attach',
  short: 'Attach files to an existing artifact',
  long: `Attach files to an existing artifact

Example - Attach file 'hi.txt' of artifact type 'doc/example' to the manifest 'hello:v1':
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt

Example - Attach a signature with its media type, printing the result as JSON:
  oras attach --artifact-type signature/example --format json localhost:5000/hello:v1 ./signature.json:application/json

Example - Attach an artifact made of annotations only:
  oras attach --artifact-type doc/example --annotation "key=val" localhost:5000/hello:v1`,
  use: '[flags] --artifact-type=<type> <name>{:<tag>|@<digest>} {<file>[:<layer_media_type>]|--annotation <key>=<value>} [...]',
  args: { min: 1, text: 'the destination artifact for attaching.' },
  required: ['artifact-type'],
  flags: [
    debugFlag,
    noTtyFlag,
    ...packerFlags,
    ...targetFlags('', '', { distributionSpec: true }),
    ...formatFlags([FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT], 'text'),
    platformFlag('attach to an arch-specific subject'),
    { name: 'artifact-type', type: 'string', usage: 'artifact type' },
    concurrencyFlag(5),
    verboseFlag(true),
  ],
  run: runAttach,
};

async function runAttach(c: Context): Promise<number> {
  const format = parseFormat(c, ['json', 'go-template', 'text']);
  const fileRefs = c.args.slice(1);
  const pack = packArgs(c, fileRefs);
  const target = await parseTarget(c, c.args[0]!);
  ensureSelector(c, target);
  if (fileRefs.length === 0 && !pack.annotations && !pack.annotationFile) {
    throw new CliError('neither file nor annotation provided in the command', {
      usage: c.usageLine,
      recommendation: 'To attach to an existing artifact, please provide files via argument or annotations via flag "--annotation". Run "oras attach -h" for more options and examples',
    });
  }
  const text = format === 'text';
  const verbose = c.flags.bool('verbose');
  const view = transferDisplay(c.io, { tty: c.tty, text, verbose, prompts: PUSH_PROMPTS });
  if (text && !c.tty) {
    if (verbose) for (const file of pack.files) c.println('Preparing', fileDisplayName(file.path));
    if (pack.files.length === 0) c.println('Uploading empty artifact');
  }
  let result: AttachResult;
  const plat = platform(c);
  try {
    result = await c.call<AttachResult>(
      'attach',
      { ...target.fields, ...pack, artifactType: c.flags.str('artifact-type'), ...(plat ? { platform: plat } : {}), concurrency: concurrency(c) },
      (v) => view.onProgress(v),
    );
    view.status('start', result);
    view.status('done', result);
  } finally {
    view.stop();
  }
  if (format === 'json') {
    const fetched = await c.call<ManifestFetchResult>('manifest/fetch', { ...target.fields, reference: `${target.path}@${result.digest}` });
    const manifest = fetched.manifest as { annotations?: Record<string, string> } | undefined;
    c.out(goPrettyJson(referencedDescriptor(target.path, { ...result, annotations: manifest?.annotations ?? {} })));
    return 0;
  }
  // oras names the subject by digest unless the user already did.
  const subject = target.raw.endsWith(result.subject.digest) ? target : { ...target, raw: `${target.path}@${result.subject.digest}` };
  c.println('Attached to', display(subject));
  c.println('Digest:', result.digest);
  return 0;
}
