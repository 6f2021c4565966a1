import { resolve as resolvePath, sep } from 'node:path';
import type { ProgressValue, PullResult } from '../../../protocol';
import { Annotations, isManifestMediaType } from '../../oci/mediatypes';
import type { CommandDef, Context } from '../command';
import { CliError } from '../errors';
import { FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT, concurrencyFlag, debugFlag, formatFlags, noTtyFlag, platformFlag, targetFlags, verboseFlag } from '../flagsets';
import { goPrettyJson } from '../output/json';
import { referencedDescriptor } from '../output/model';
import { PULL_PROMPTS } from '../output/status';
import { transferDisplay } from '../progress';
import { display, ensureSelector, parseTarget } from '../targets';
import { concurrency, parseFormat, platform } from './common';

export const pullCommand: CommandDef = {
  name: 'pull',
  short: 'Pull files from a registry or an OCI image layout',
  long: `Pull files from a registry or an OCI image layout

Example - Pull the files of an artifact into the current folder:
  oras pull localhost:5000/hello:v1

Example - Pull into the folder 'download', also pulling the subjects of the artifact:
  oras pull -o download --include-subject localhost:5000/hello:v1

Example - Pull only the layers of one media type (the 2021 --media-type flag):
  oras pull localhost:5000/hello:v1 --media-type application/vnd.me.hi

Example - Pull from an OCI image layout folder 'layout-dir':
  oras pull --oci-layout layout-dir:v1`,
  use: '[flags] <name>{:<tag>|@<digest>}',
  args: { exact: 1, text: 'the artifact reference you want to pull' },
  flags: [
    debugFlag,
    noTtyFlag,
    ...targetFlags(),
    ...formatFlags([FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT], 'text'),
    platformFlag(),
    { name: 'keep-old-files', short: 'k', type: 'bool', usage: 'do not replace existing files when pulling, treat them as errors' },
    { name: 'allow-path-traversal', short: 'T', type: 'bool', usage: 'allow storing files out of the output directory' },
    { name: 'include-subject', type: 'bool', usage: 'recursively pull the subject of artifacts' },
    { name: 'output', short: 'o', type: 'string', default: '.', usage: 'output directory' },
    { name: 'config', type: 'string', usage: 'output manifest config file (not supported by orasd)' },
    { name: 'media-type', type: 'stringArray', usage: 'only pull layers of this media type (2021 flag, repeatable)' },
    concurrencyFlag(3),
    verboseFlag(true),
  ],
  run: runPull,
};

async function runPull(c: Context): Promise<number> {
  const f = c.flags;
  const format = parseFormat(c, ['json', 'go-template', 'text']);
  if (f.changed('config')) throw new CliError('--config is not supported by orasd');
  const target = await parseTarget(c, c.args[0]!);
  ensureSelector(c, target);
  const text = format === 'text';
  const verbose = f.bool('verbose');
  const view = transferDisplay(c.io, { tty: c.tty, text, verbose, prompts: PULL_PROMPTS });
  const plat = platform(c);
  const output = f.str('output') || '.';
  let result: PullResult;
  try {
    // The engine reports the root manifest first (read) and last (done): oras's first and last lines.
    let root: { digest: string; mediaType: string } | undefined;
    const onProgress = (v: ProgressValue) => {
      if (v.kind === 'blob' && !root && isManifestMediaType(v.mediaType)) {
        root = { digest: v.digest, mediaType: v.mediaType };
        view.status('start', root);
        view.status('processing', root);
        return;
      }
      if (v.kind === 'blob' && v.digest === root?.digest) return;
      view.onProgress(v);
    };
    result = await c.call<PullResult>(
      'pull',
      {
        ...target.fields,
        output,
        ...(f.bool('keep-old-files') ? { keepOldFiles: true } : {}),
        ...(f.bool('allow-path-traversal') ? { allowPathTraversal: true } : {}),
        ...(f.bool('include-subject') ? { includeSubject: true } : {}),
        ...(f.list('media-type').length ? { mediaTypes: f.list('media-type') } : {}),
        ...(plat ? { platform: plat } : {}),
        concurrency: concurrency(c),
      },
      onProgress,
    );
    const unnamed = result.skipped.filter((d) => !d.annotations?.[Annotations.Title]);
    for (const d of unnamed) view.status('skipped', d);
    view.status('done', root ?? result);
  } finally {
    view.stop();
  }
  if (format === 'json') {
    const base = resolvePath(c.io.cwd, output);
    const files = result.files.map((file) => {
      const unpack = file.annotations?.[Annotations.ContentUnpack] === 'true';
      const path = resolvePath(base, file.path);
      return { path: unpack ? path + sep : path, ...referencedDescriptor(target.path, file) };
    });
    c.out(goPrettyJson({ reference: `${target.path}@${result.digest}`, files }));
    return 0;
  }
  if (result.skipped.some((d) => !d.annotations?.[Annotations.Title])) {
    c.out(`Skipped pulling layers without file name in "${Annotations.Title}"\n`);
    c.out(`Use 'oras copy ${target.raw} --to-oci-layout <layout-dir>' to pull all layers.\n`);
  } else {
    c.println('Pulled', display(target));
    c.println('Digest:', result.digest);
  }
  return 0;
}
