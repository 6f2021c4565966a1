import type { ManifestFetchResult, PushResult } from '../../../protocol';
import { MediaTypes } from '../../oci/mediatypes';
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
import { display, parseTarget } from '../targets';
import { concurrency, fileDisplayName, packArgs, parseFileRef, parseFormat } from './common';

export const pushCommand: CommandDef = {
  name: 'push',
  short: 'Push files to a registry or an OCI image layout',
  long: `Push files to a registry or an OCI image layout

Example - Push file "hi.txt" with the default media type:
  oras push localhost:5000/hello:v1 hi.txt

Example - Push files with their own media types and an artifact type:
  oras push --artifact-type application/vnd.example localhost:5000/hello:v1 hi.txt:application/vnd.me.hi bye.txt

Example - Push with a config file of a given media type (--manifest-config is the older name):
  oras push --config config.json:application/vnd.me.config localhost:5000/hello:v1 hi.txt

Example - Push with several tags, printing the result as JSON:
  oras push --format json localhost:5000/hello:tag1,tag2 hi.txt

Example - Push into an OCI image layout folder 'layout-dir' with tag 'test':
  oras push --oci-layout layout-dir:test hi.txt`,
  use: '[flags] <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]',
  args: { min: 1, text: 'the destination for pushing' },
  flags: [
    debugFlag,
    noTtyFlag,
    ...packerFlags,
    ...targetFlags(),
    ...formatFlags([FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT], 'text'),
    { name: 'config', type: 'string', valueName: 'path', usage: 'path of image config file' },
    { name: 'manifest-config', type: 'string', usage: 'the 2021 name of --config', hidden: true },
    { name: 'artifact-type', type: 'string', usage: 'artifact type' },
    { name: 'image-spec', type: 'string', usage: '[Preview] specify manifest type for building artifact. Options: v1.1, v1.0 (default v1.1, overridden to v1.0 if --config is used without --artifact-type)', validate: imageSpec },
    { ...platformFlag('[Experimental] set artifact platform'), name: 'artifact-platform', usage: '[Experimental] set artifact platform (not supported by orasd)' },
    concurrencyFlag(5),
    verboseFlag(true),
  ],
  run: runPush,
};

function imageSpec(v: string): string | undefined {
  return v === 'v1.1' || v === 'v1.0' ? undefined : `unknown image specification flag: ${v}\nAvailable options: v1.1, v1.0`;
}

async function runPush(c: Context): Promise<number> {
  const f = c.flags;
  const refs = c.args[0]!.split(',');
  const raw = refs[0]!;
  const extra = refs.slice(1);
  if (f.changed('config') && f.changed('manifest-config')) throw new CliError('--config, --manifest-config cannot be used at the same time');
  const configRef = f.str('config') || f.str('manifest-config');
  let artifactType = f.str('artifact-type');
  let spec = f.changed('image-spec') ? f.str('image-spec') : 'v1.1';
  if (configRef && !artifactType) {
    if (!f.changed('image-spec')) spec = 'v1.0';
    else if (spec === 'v1.1') {
      throw new CliError('missing artifact type for OCI image-spec v1.1 artifacts', {
        recommendation: 'set an artifact type via `--artifact-type` or consider image spec v1.0',
      });
    }
  }
  if (f.changed('artifact-platform')) {
    if (f.changed('config')) throw new CliError('--config, --artifact-platform cannot be used at the same time');
    throw new CliError('--artifact-platform is not supported by orasd');
  }
  if (spec === 'v1.0' && configRef && artifactType) throw new CliError('--artifact-type and --config cannot both be provided for 1.0 OCI image');
  if (spec === 'v1.1' && !configRef && !artifactType) artifactType = MediaTypes.UnknownArtifact;
  const format = parseFormat(c, ['json', 'go-template', 'text']);
  const fileRefs = c.args.slice(1);
  const pack = packArgs(c, fileRefs);
  const config = configRef ? parseFileRef(configRef, MediaTypes.UnknownConfig) : undefined;
  const target = await parseTarget(c, raw);

  // The engine takes the tags in the reference: host/repo:a,b.
  const tagged = target.selector && !target.selector.includes(':');
  const reference = extra.length ? (tagged ? `${raw},${extra.join(',')}` : `${raw}:${extra.join(',')}`) : raw;

  const text = format === 'text';
  const verbose = f.bool('verbose');
  const view = transferDisplay(c.io, { tty: c.tty, text, verbose, prompts: PUSH_PROMPTS });
  if (text && !c.tty) {
    if (verbose) for (const file of pack.files) c.println('Preparing', fileDisplayName(file.path));
    if (pack.files.length === 0) c.println('Uploading empty artifact');
  }
  let result: PushResult;
  try {
    result = await c.call<PushResult>(
      'push',
      {
        ...target.fields,
        reference,
        ...pack,
        ...(artifactType ? { artifactType } : {}),
        ...(config ? { config: { path: config.path, ...(config.mediaType ? { mediaType: config.mediaType } : {}) } } : {}),
        imageSpec: spec,
        concurrency: concurrency(c),
      },
      (v) => view.onProgress(v),
    );
    view.status('start', result);
    view.status('done', result);
  } finally {
    view.stop();
  }
  // oras reports the packed root's artifact type: for image-spec v1.0 that is the config's media type.
  const shownType = result.artifactType || (config ? config.mediaType || MediaTypes.UnknownConfig : artifactType || MediaTypes.UnknownConfig);
  if (format === 'json') {
    // The push result carries no annotations; the manifest (just cached by the engine) has them.
    const fetched = await c.call<ManifestFetchResult>('manifest/fetch', { ...target.fields, reference: `${target.path}@${result.digest}` });
    const manifest = fetched.manifest as { annotations?: Record<string, string> } | undefined;
    const tags = [...(tagged ? [target.selector] : []), ...extra].map((t) => `${target.path}:${t}`).sort();
    c.out(
      goPrettyJson({
        ...referencedDescriptor(target.path, { ...result, annotations: manifest?.annotations ?? {}, artifactType: shownType }),
        referenceAsTags: tags.length ? tags : null,
      }),
    );
    return 0;
  }
  c.println('Pushed', display(target));
  for (const t of extra) c.println('Tagged', t);
  c.println('ArtifactType:', shownType);
  c.println('Digest:', result.digest);
  return 0;
}
